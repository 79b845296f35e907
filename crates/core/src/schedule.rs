//! Secrets Manager rotation schedules: the expression grammar, its rules, and
//! when the next rotation window opens.
//!
//! Rules and semantics: the RotationRulesType API
//! reference and <https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html>
//! Everything is UTC, as Secrets Manager schedules are.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A parsed `ScheduleExpression`, or `AutomaticallyAfterDays` alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// `rate(N hours)`: windows every N hours from 00:00 UTC, resetting each day.
    RateHours(u32),
    /// `rate(N days)` or `AutomaticallyAfterDays = N`: N days after the last rotation.
    RateDays(u32),
    Cron(Cron),
}

/// A `cron(0 H DoM Month DoW *)` expression. Minutes are always 0 and the
/// year always `*`: Secrets Manager accepts nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    hours: BTreeSet<u32>,
    day_of_month: DayOfMonth,
    months: BTreeSet<u32>,
    day_of_week: DayOfWeek,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfMonth {
    Any,
    Days(BTreeSet<u32>),
    Last,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfWeek {
    Any,
    /// 1 = Sunday ... 7 = Saturday, as in AWS cron.
    Days(BTreeSet<u32>),
    /// `SUN#1`: the first Sunday of the month.
    Nth(u32, i8),
    /// `6L`: the last Friday of the month.
    Last(u32),
}

/// A rotation window: rotation starts at some minute inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime,
    pub end: DateTime,
}

impl Window {
    pub fn is_over_at(&self, now: Timestamp) -> bool {
        self.end <= utc(now)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = if self.end.date() != self.start.date() && self.end.hour() == 0 {
            "24:00".to_string()
        } else {
            self.end.strftime("%H:%M").to_string()
        };
        write!(
            f,
            "{} {}–{end} UTC",
            self.start.strftime("%Y-%m-%d"),
            self.start.strftime("%H:%M")
        )
    }
}

impl Expression {
    /// Parses a `ScheduleExpression` and checks it against Secrets Manager's rules.
    pub fn parse(text: &str) -> Result<Expression, String> {
        let text = text.trim();
        if let Some(body) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')')) {
            return parse_rate(body);
        }
        if let Some(body) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
            return parse_cron(body).map(Expression::Cron);
        }
        Err("it is neither rate(...) nor cron(...)".to_string())
    }

    /// The default window length, when `Duration` is not set: one hour for
    /// schedules in hours, the rest of the UTC day for schedules in days.
    fn hours_based(&self) -> bool {
        match self {
            Expression::RateHours(_) => true,
            Expression::RateDays(_) => false,
            Expression::Cron(cron) => cron.hours.len() > 1,
        }
    }

    /// Checks a `Duration` (`3h`) against the expression: a window must not
    /// run into the next UTC day or into the next window.
    pub fn check_duration(&self, duration: &str) -> Result<u32, String> {
        let hours = parse_duration(duration)?;
        match self {
            Expression::RateHours(interval) if hours > *interval => Err(format!(
                "the {hours}h window is longer than the {interval}-hour interval"
            )),
            Expression::Cron(cron) => {
                let gaps = cron.hours.iter().zip(cron.hours.iter().skip(1));
                if let Some((a, b)) = gaps.clone().find(|(a, b)| *b - *a < hours) {
                    return Err(format!(
                        "the {hours}h window from {a}:00 runs into the window at {b}:00"
                    ));
                }
                match cron.hours.last() {
                    Some(last) if last + hours > 24 => Err(format!(
                        "the {hours}h window from {last}:00 runs into the next UTC day"
                    )),
                    _ => Ok(hours),
                }
            }
            _ if hours > 24 => Err(format!("the {hours}h window runs into the next UTC day")),
            _ => Ok(hours),
        }
    }

    /// The next window that ends after `now`. `last_rotation` anchors day-based
    /// schedules; `None` when no window can be predicted.
    pub fn next_window(
        &self,
        duration_hours: Option<u32>,
        last_rotation: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<Window> {
        let now = utc(now);
        let length = |start: DateTime| match duration_hours {
            Some(hours) => start.checked_add((hours as i64).hours()).ok(),
            None if self.hours_based() => start.checked_add(1.hour()).ok(),
            None => start
                .date()
                .tomorrow()
                .ok()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight())),
        };
        let window = |start: DateTime| length(start).map(|end| Window { start, end });
        match self {
            Expression::RateDays(days) => {
                let date = utc(last_rotation?)
                    .date()
                    .checked_add((*days as i64).days())
                    .ok()?;
                window(date.to_datetime(jiff::civil::Time::midnight()))
            }
            Expression::RateHours(interval) => {
                let starts = (0..24)
                    .step_by(*interval as usize)
                    .collect::<BTreeSet<u32>>();
                first_window_after(now, |_| true, &starts, window)
            }
            Expression::Cron(cron) => {
                first_window_after(now, |date| cron.runs_on(date), &cron.hours, window)
            }
        }
    }
}

/// Scans the coming year, day by day, for the first window not over by `now`.
fn first_window_after(
    now: DateTime,
    runs_on: impl Fn(Date) -> bool,
    hours: &BTreeSet<u32>,
    window: impl Fn(DateTime) -> Option<Window>,
) -> Option<Window> {
    let mut date = now.date();
    for _ in 0..=366 {
        if runs_on(date) {
            for hour in hours {
                let found = window(date.at(*hour as i8, 0, 0, 0))?;
                if found.end > now {
                    return Some(found);
                }
            }
        }
        date = date.tomorrow().ok()?;
    }
    None
}

impl Cron {
    fn runs_on(&self, date: Date) -> bool {
        if !self.months.contains(&(date.month() as u32)) {
            return false;
        }
        let day_of_month_ok = match &self.day_of_month {
            DayOfMonth::Any => true,
            DayOfMonth::Days(days) => days.contains(&(date.day() as u32)),
            DayOfMonth::Last => date == date.last_of_month(),
        };
        let weekday = date.weekday().to_sunday_one_offset() as u32;
        let day_of_week_ok = match &self.day_of_week {
            DayOfWeek::Any => true,
            DayOfWeek::Days(days) => days.contains(&weekday),
            DayOfWeek::Nth(day, nth) => date
                .nth_weekday_of_month(*nth, sunday_one(*day))
                .is_ok_and(|d| d == date),
            DayOfWeek::Last(day) => date
                .nth_weekday_of_month(-1, sunday_one(*day))
                .is_ok_and(|d| d == date),
        };
        day_of_month_ok && day_of_week_ok
    }
}

fn sunday_one(day: u32) -> Weekday {
    Weekday::from_sunday_one_offset(day as i8).unwrap_or(Weekday::Sunday)
}

fn utc(timestamp: Timestamp) -> DateTime {
    timestamp.to_zoned(TimeZone::UTC).datetime()
}

fn parse_duration(duration: &str) -> Result<u32, String> {
    duration
        .strip_suffix('h')
        .and_then(|hours| hours.parse::<u32>().ok())
        .filter(|hours| (1..=24).contains(hours))
        .ok_or_else(|| format!("Duration {duration} is not a number of hours from 1h to 24h"))
}

fn parse_rate(body: &str) -> Result<Expression, String> {
    let mut words = body.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err("rate() takes a value and a unit, as in rate(10 days)".to_string());
    };
    let value = value
        .parse::<u32>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("the rate value {value} is not a positive whole number"))?;
    match unit {
        "hour" | "hours" if value < 4 => Err(format!(
            "rate({value} {unit}) is more often than every four hours, the most Secrets Manager allows"
        )),
        "hour" | "hours" => Ok(Expression::RateHours(value)),
        "day" | "days" if value > 1000 => Err(format!("rate({value} {unit}) is over 1000 days")),
        "day" | "days" => Ok(Expression::RateDays(value)),
        _ => Err(format!("the rate unit {unit} is not hours or days")),
    }
}

fn parse_cron(body: &str) -> Result<Cron, String> {
    let fields = body.split_whitespace().collect::<Vec<_>>();
    let [minutes, hours, day_of_month, month, day_of_week, year] = fields[..] else {
        return Err(format!("cron() takes 6 fields, not {}", fields.len()));
    };
    if minutes != "0" {
        return Err(format!(
            "the minutes field is {minutes}: rotation windows start on the hour, so it must be 0"
        ));
    }
    if year != "*" {
        return Err(format!("the year field is {year}: it must be *"));
    }
    let hours = parse_set(hours, 0, 23, &[])?;
    let gaps = hours.iter().zip(hours.iter().skip(1));
    if let Some((a, b)) = gaps.clone().find(|(a, b)| *b - *a < 4) {
        return Err(format!(
            "windows at {a}:00 and {b}:00 are less than four hours apart, the most often Secrets Manager allows"
        ));
    }
    let months = parse_set(month, 1, 12, &MONTHS)?;
    let (day_of_month, day_of_week) = match (day_of_month, day_of_week) {
        ("?", "?") => return Err("day-of-month and day-of-week cannot both be ?".to_string()),
        ("?", dow) => (DayOfMonth::Any, parse_day_of_week(dow)?),
        (dom, "?") => (parse_day_of_month(dom)?, DayOfWeek::Any),
        _ => return Err("one of day-of-month and day-of-week must be ?".to_string()),
    };
    Ok(Cron {
        hours,
        day_of_month,
        months,
        day_of_week,
    })
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn parse_day_of_month(field: &str) -> Result<DayOfMonth, String> {
    match field {
        "*" => Ok(DayOfMonth::Any),
        "L" => Ok(DayOfMonth::Last),
        _ => parse_set(field, 1, 31, &[]).map(DayOfMonth::Days),
    }
}

fn parse_day_of_week(field: &str) -> Result<DayOfWeek, String> {
    if field == "*" {
        return Ok(DayOfWeek::Any);
    }
    if let Some((day, nth)) = field.split_once('#') {
        let day = parse_value(day, 1, 7, &WEEKDAYS)?;
        let nth = nth
            .parse::<i8>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| format!("{field}: the week after # must be 1 to 5"))?;
        return Ok(DayOfWeek::Nth(day, nth));
    }
    if let Some(day) = field.strip_suffix('L') {
        return parse_value(day, 1, 7, &WEEKDAYS).map(DayOfWeek::Last);
    }
    parse_set(field, 1, 7, &WEEKDAYS).map(DayOfWeek::Days)
}

/// A cron list: `a`, `a-b`, `*`, with an optional `/step`, separated by commas.
fn parse_set(field: &str, min: u32, max: u32, names: &[&str]) -> Result<BTreeSet<u32>, String> {
    let mut set = BTreeSet::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step = step
                    .parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{item}: the step must be a positive number"))?;
                (range, step)
            }
            None => (item, 1),
        };
        let (start, end) = match range {
            "*" => (min, max),
            // `/8` and `4/12` start at the given value (or the minimum) and run to the end.
            "" => (min, max),
            _ if step > 1 && !range.contains('-') => (parse_value(range, min, max, names)?, max),
            _ => match range.split_once('-') {
                Some((a, b)) => (
                    parse_value(a, min, max, names)?,
                    parse_value(b, min, max, names)?,
                ),
                None => {
                    let value = parse_value(range, min, max, names)?;
                    (value, value)
                }
            },
        };
        if start > end {
            return Err(format!("{item}: the range runs backwards"));
        }
        set.extend((start..=end).step_by(step as usize));
    }
    Ok(set)
}

fn parse_value(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let by_name = names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
        .map(|index| min + index as u32);
    by_name
        .or_else(|| text.parse::<u32>().ok())
        .filter(|value| (min..=max).contains(value))
        .ok_or_else(|| format!("{text} is not a value from {min} to {max}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn next(expression: &str, duration: Option<u32>, now: &str) -> String {
        Expression::parse(expression)
            .unwrap()
            .next_window(duration, None, ts(now))
            .unwrap()
            .to_string()
    }

    #[test]
    fn documented_examples_parse() {
        for expression in [
            "rate(4 hours)",
            "rate(1 day)",
            "rate(10 days)",
            "cron(0 /8 * * ? *)",
            "cron(0 8/8 * * ? *)",
            "cron(0 2/10 * * ? *)",
            "cron(0 10 * * ? *)",
            "cron(0 18 ? * SAT *)",
            "cron(0 8 1 * ? *)",
            "cron(0 1 ? 1/3 SUN#1 *)",
            "cron(0 17 L * ? *)",
            "cron(0 8 ? * MON-FRI *)",
            "cron(0 16 1,15 * ? *)",
            "cron(0 0 ? * SUN#1 *)",
            "cron(0 4/12 * * ? *)",
        ] {
            assert!(Expression::parse(expression).is_ok(), "{expression}");
        }
    }

    #[test]
    fn rule_breaking_expressions_are_refused_with_the_rule() {
        for (expression, says) in [
            ("cron(30 4 * * ? *)", "must be 0"),
            ("cron(0 4 * * ? 2027)", "must be *"),
            ("cron(0 4 1 * MON *)", "must be ?"),
            ("cron(0 */2 * * ? *)", "four hours"),
            ("rate(2 hours)", "four hours"),
            ("rate(0 days)", "positive"),
            ("rate(3 weeks)", "unit"),
            ("every day", "neither"),
            ("cron(0 25 * * ? *)", "0 to 23"),
        ] {
            let error = Expression::parse(expression).unwrap_err();
            assert!(error.contains(says), "{expression}: {error}");
        }
    }

    #[test]
    fn windows_follow_the_documented_defaults() {
        // Day-based cron: the window runs to the end of the UTC day.
        assert_eq!(
            next("cron(0 10 * * ? *)", None, "2026-11-25T12:00:00Z"),
            "2026-11-25 10:00–24:00 UTC"
        );
        assert_eq!(
            next("cron(0 18 ? * SAT *)", None, "2026-11-25T12:00:00Z"),
            "2026-11-28 18:00–24:00 UTC"
        );
        // Several windows a day: one hour each unless Duration says otherwise.
        assert_eq!(
            next("cron(0 2/10 * * ? *)", None, "2026-11-25T13:00:00Z"),
            "2026-11-25 22:00–23:00 UTC"
        );
        assert_eq!(
            next("cron(0 4/12 * * ? *)", Some(2), "2026-11-25T17:00:00Z"),
            "2026-11-25 16:00–18:00 UTC"
        );
        assert_eq!(
            next("cron(0 4/12 * * ? *)", Some(2), "2026-11-25T18:30:00Z"),
            "2026-11-26 04:00–06:00 UTC"
        );
        assert_eq!(
            next("rate(6 hours)", None, "2026-11-25T13:30:00Z"),
            "2026-11-25 18:00–19:00 UTC"
        );
        assert_eq!(
            next("cron(0 17 L * ? *)", None, "2026-11-25T00:00:00Z"),
            "2026-11-30 17:00–24:00 UTC"
        );
        assert_eq!(
            next("cron(0 0 ? * SUN#1 *)", None, "2026-11-25T00:00:00Z"),
            "2026-12-06 00:00–24:00 UTC"
        );
    }

    #[test]
    fn day_rates_count_from_the_last_rotation() {
        let window = Expression::RateDays(30)
            .next_window(
                None,
                Some(ts("2026-11-01T07:12:00Z")),
                ts("2026-11-25T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(window.to_string(), "2026-12-01 00:00–24:00 UTC");
    }

    #[test]
    fn durations_must_fit() {
        let cron = Expression::parse("cron(0 20 * * ? *)").unwrap();
        assert_eq!(cron.check_duration("4h"), Ok(4));
        assert!(
            cron.check_duration("5h")
                .unwrap_err()
                .contains("next UTC day")
        );
        let twice = Expression::parse("cron(0 4/12 * * ? *)").unwrap();
        assert!(twice.check_duration("13h").is_err());
        assert!(Expression::RateHours(6).check_duration("7h").is_err());
        assert!(Expression::RateDays(1).check_duration("3").is_err());
    }
}
