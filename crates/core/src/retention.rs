//! Which scheduled backups to keep: the newest of each of the last `daily` days that have one,
//! and the newest of each of the last `weekly` ISO weeks; the newest archive is always kept.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};

use crate::Zone;

/// Indices into `times` of the archives the rule no longer keeps. Days and weeks are those of
/// the installation's zone, so "one a day" means the admin's day.
pub fn expired(times: &[DateTime<Utc>], daily: u32, weekly: u32, zone: Zone) -> Vec<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|a, b| times[*b].cmp(&times[*a]));
    let mut keep = BTreeSet::new();
    let mut days = BTreeSet::new();
    let mut weeks = BTreeSet::new();
    for &i in &order {
        let local = zone.date_of(times[i]);
        if days.len() < daily as usize && days.insert(local) {
            keep.insert(i);
        }
        let week = local.iso_week();
        if weeks.len() < weekly as usize && weeks.insert((week.year(), week.week())) {
            keep.insert(i);
        }
    }
    if let Some(&newest) = order.first() {
        keep.insert(newest);
    }
    order.into_iter().filter(|i| !keep.contains(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 30, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn keeps_the_newest_of_each_day_and_of_each_week() {
        // Two a day for 1–24 November 2026 (Tuesday 24th is the newest).
        let times: Vec<_> = (1..=24).flat_map(|d| [at(d, 2), at(d, 14)]).collect();
        let expired = expired(&times, 7, 4, Zone::UTC);
        let kept: Vec<_> = (0..times.len())
            .filter(|i| !expired.contains(i))
            .map(|i| times[i])
            .collect();
        let mut want: Vec<_> = (18..=24).map(|d| at(d, 14)).collect();
        // ISO weeks from Monday: 23–24 and 16–22 are covered by the days already; then the
        // newest of 9–15 and of 2–8. Sunday 1st belongs to a fifth week.
        want.extend([at(15, 14), at(8, 14)]);
        let mut kept_sorted = kept.clone();
        kept_sorted.sort();
        want.sort();
        assert_eq!(kept_sorted, want);
    }

    #[test]
    fn the_only_or_newest_archive_is_never_expired() {
        assert!(expired(&[at(3, 2)], 0, 0, Zone::UTC).is_empty());
        assert_eq!(expired(&[at(3, 2), at(4, 2)], 0, 0, Zone::UTC), vec![0]);
    }

    #[test]
    fn days_are_the_installations_days() {
        let moscow = Zone::parse("Europe/Moscow").unwrap();
        // 22:30 UTC on the 3rd is 01:30 on the 4th in Moscow: two different local days.
        let times = [
            Utc.with_ymd_and_hms(2026, 11, 3, 20, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 3, 22, 30, 0).unwrap(),
        ];
        assert!(expired(&times, 2, 0, moscow).is_empty());
        assert_eq!(expired(&times, 2, 0, Zone::UTC), vec![0]);
    }
}
