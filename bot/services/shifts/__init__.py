"""Desk shifts: templates and working days, who works when, reminders, stand-ins, attendance.

- `calendar`: working days (public holidays, admin overrides), templates → shifts.
- `templates`: weekly shift templates per location, closed and make-up days.
- `roster`: eligibility, sign-up, withdrawal, assignment by officers, days away.
- `autofill`: propose officers for a week's open places, fairly, then apply.
- `alerts`: officers' alerts (stand-ins nobody took, shifts still short the day before).
- `views`: what people see: open places near them, their shifts, a location's roster.
- `text`: how shifts read in Vietnamese (weekdays, dates, times in the commune's zone).
- `reminders`: shift reminders due now, queued in the outbox once each.
- `standins`: "I can't come" offers the shift to others; the first to accept takes it.
- `attendance`: check-in, no-shows marked by officers, monthly counts.
"""
