//! Time zones: the database keeps UTC; people type and read times in their own zone. The two
//! hard cases of daylight-saving changes are decided here once: a local time that does not
//! exist (the hour skipped in spring) means the same clock reading after the jump, and a local
//! time that happens twice (the hour repeated in autumn) means the first of the two.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::error::FieldErrors;

/// A user's (or the installation's) IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    pub const UTC: Zone = Zone(chrono_tz::UTC);

    /// `Europe/Berlin`, `America/New_York`, `UTC`...
    pub fn parse(name: &str) -> Option<Zone> {
        name.trim().parse::<chrono_tz::Tz>().ok().map(Zone)
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The moment `local` names in this zone (see the module note for DST gaps and overlaps).
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            LocalResult::None => {
                // In a gap: read the clock with the offset in force just before it.
                let before = self
                    .0
                    .offset_from_utc_datetime(&(local - Duration::hours(3)));
                let offset = chrono::Offset::fix(&before);
                (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
            }
        }
    }

    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.0).naive_local()
    }

    pub fn date_of(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date()
    }

    /// The first moment of a local day (midnight, or the first minute after a midnight gap).
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.to_utc(day.and_time(NaiveTime::MIN))
    }

    /// The half-open range of UTC moments that a local day covers (23, 24 or 25 hours).
    pub fn day_range(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let next = day.succ_opt().unwrap_or(day);
        (self.start_of(day), self.start_of(next))
    }

    /// The same clock time `days` later: "every 2 days at 10:00" stays at 10:00 across DST.
    pub fn add_days(&self, t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
        self.to_utc(self.local(t) + Duration::days(days))
    }
}

/// Parses a moment as typed or posted: RFC 3339 with an offset (the API), or a local
/// `YYYY-MM-DD HH:MM` / `YYYY-MM-DDTHH:MM[:SS]` read in `zone` (forms). `None` when blank.
pub fn moment(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    zone: Zone,
) -> Option<DateTime<Utc>> {
    let s = value.map(str::trim).unwrap_or("");
    if s.is_empty() {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .map(|local| zone.to_utc(local))
        });
    match parsed {
        Some(t) if (1900..=2999).contains(&chrono::Datelike::year(&t)) => Some(t),
        Some(_) => {
            errors.add(field, "error-date-out-of-range");
            None
        }
        None => {
            errors.add(field, "error-datetime-invalid");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn berlin_spring_gap_and_autumn_overlap() {
        let z = Zone::parse("Europe/Berlin").unwrap();
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST.
        assert_eq!(
            z.to_utc(at("2026-03-29 01:30")).to_rfc3339(),
            "2026-03-29T00:30:00+00:00"
        );
        assert_eq!(
            z.to_utc(at("2026-03-29 02:30")).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            z.to_utc(at("2026-03-29 03:30")).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        // 25 October 2026: 02:30 happens twice; the first (CEST) is meant.
        assert_eq!(
            z.to_utc(at("2026-10-25 02:30")).to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
        let (start, end) = z.day_range(NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
        assert_eq!((end - start).num_hours(), 25);
    }

    #[test]
    fn repeating_keeps_the_clock_time_across_dst() {
        let z = Zone::parse("America/New_York").unwrap();
        let t = z.to_utc(at("2026-03-07 10:00"));
        let next = z.add_days(t, 2);
        assert_eq!(z.local(next), at("2026-03-09 10:00"));
        assert_eq!((next - t).num_hours(), 47);
    }

    #[test]
    fn moments_as_typed() {
        let z = Zone::parse("Europe/Moscow").unwrap();
        let mut e = FieldErrors::new();
        let t = moment(&mut e, "due", Some("2026-12-01 09:00"), z).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T06:00:00+00:00");
        let api = moment(&mut e, "due", Some("2026-12-01T09:00:00+02:00"), z).unwrap();
        assert_eq!(api.to_rfc3339(), "2026-12-01T07:00:00+00:00");
        assert!(moment(&mut e, "due", Some(""), z).is_none());
        assert!(e.is_empty());
        assert!(moment(&mut e, "due", Some("tomorrow"), z).is_none());
        assert_eq!(e.get("due"), Some("error-datetime-invalid"));
        assert!(Zone::parse("Mars/Olympus").is_none());
    }
}
