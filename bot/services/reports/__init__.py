"""Reports for officials: coverage, tallies, KPIs, as chat text, chart, workbook and pushes.

- `coverage`: account coverage per village and for the commune; report scope;
  `figures`: the register figures, their change and percentages; `snapshots`: each village's
  figures at the end of a day (the 7-day change's baseline, a past day's register).
- `tallies`: the desk's work from the assistance log: a day, the week so far, any range;
  `daily`: the daily tally (the day and the week so far, every village) in six statements.
- `kpis`: monthly KPIs against the `[reports]` targets, and per-helper figures.
- `charts`: the coverage bar chart (villages or communes) as a PNG.
- `workbook`: the monthly (or any period's) .xlsx workbook; `sheets`: rows every sheet writes;
  `targets_sheet`, `village_days_sheet`: the personal targets and villages × days sheets.
- `push`: the daily tally and weekly summary pushed to subscribed officials via the outbox.
- `text`: reports as short Vietnamese chat texts; `area`: whose report it is (a commune's own
  name in an installation with several).
- `survey`: satisfaction survey figures for a range of days; `survey_view`: as text and sheet rows.
- `province`: every commune side by side, laggards first; `province_view`: as text and chart;
  `province_sheet`: as a workbook sheet.
"""
