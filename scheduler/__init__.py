"""APScheduler setup and the scheduled jobs."""
