"""The calendar: working days (statutory holidays and 调休), the year's plan of meetings and each
meeting's schedule of deadlines counted in working days (workdays, plan, schedule, yearview,
reminders)."""
