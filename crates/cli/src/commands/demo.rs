//! `crm demo`: realistic demo data at any size — names in English, Russian, Hebrew and Arabic,
//! valid phones, several contact persons per company — for trying the CRM, tests and benchmarks.
//! The same seed gives the same data.

use std::time::Instant;

use anyhow::{Result, bail};
use crm_core::{Actor, CompanyDraft, CompanyInput, ContactDraft, ContactInput, Region};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::settings::Location;

#[derive(clap::Args)]
pub struct Args {
    /// How many contacts to add.
    #[arg(long, default_value_t = 1000)]
    contacts: usize,
    /// How many companies to add.
    #[arg(long, default_value_t = 100)]
    companies: usize,
    /// Seed of the random generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Cards written per transaction: large enough to be fast, small enough to show progress.
const BATCH: usize = 5_000;

struct Culture {
    first: &'static [&'static str],
    last: &'static [&'static str],
    /// Latin spellings of `first` and `last`, for e-mail addresses.
    first_latin: &'static [&'static str],
    last_latin: &'static [&'static str],
    company: fn(&str) -> String,
    words: &'static [&'static str],
    city: &'static str,
    phone: fn(&mut StdRng) -> String,
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

const CULTURES: &[Culture] = &[
    Culture {
        first: &[
            "Анна",
            "Иван",
            "Мария",
            "Алексей",
            "Ольга",
            "Дмитрий",
            "Елена",
            "Сергей",
            "Андрей",
            "Наталья",
            "Пётр",
            "Анастасия",
        ],
        last: &[
            "Петрова",
            "Иванов",
            "Смирнова",
            "Кузнецов",
            "Попова",
            "Соколов",
            "Лебедева",
            "Новиков",
            "Антонов",
            "Морозова",
            "Андреев",
            "Волкова",
        ],
        first_latin: &[
            "anna",
            "ivan",
            "maria",
            "alexey",
            "olga",
            "dmitry",
            "elena",
            "sergey",
            "andrey",
            "natalia",
            "petr",
            "anastasia",
        ],
        last_latin: &[
            "petrova",
            "ivanov",
            "smirnova",
            "kuznetsov",
            "popova",
            "sokolov",
            "lebedeva",
            "novikov",
            "antonov",
            "morozova",
            "andreev",
            "volkova",
        ],
        company: |w| format!("ООО «{w}»"),
        words: &[
            "Ромашка",
            "Вектор",
            "Альфа",
            "Стройинвест",
            "Техносервис",
            "Антарес",
            "Северный ветер",
            "Окна Плюс",
        ],
        city: "Москва",
        phone: |rng| {
            if rng.random_bool(0.5) {
                format!(
                    "+7 9{} {}-{}-{}",
                    digits(rng, 2),
                    digits(rng, 3),
                    digits(rng, 2),
                    digits(rng, 2)
                )
            } else {
                format!(
                    "+7 (495) {}-{}-{}",
                    digits(rng, 3),
                    digits(rng, 2),
                    digits(rng, 2)
                )
            }
        },
    },
    Culture {
        first: &[
            "John", "Emily", "Michael", "Sarah", "David", "Zoë", "James", "Olivia", "Daniel",
            "Anna", "Andrew", "Grace",
        ],
        last: &[
            "Smith", "Johnson", "Brown", "Taylor", "Anderson", "Martin", "Clark", "Lewis",
            "Walker", "Young", "Allen", "King",
        ],
        first_latin: &[
            "john", "emily", "michael", "sarah", "david", "zoe", "james", "olivia", "daniel",
            "anna", "andrew", "grace",
        ],
        last_latin: &[
            "smith", "johnson", "brown", "taylor", "anderson", "martin", "clark", "lewis",
            "walker", "young", "allen", "king",
        ],
        company: |w| format!("{w} Ltd"),
        words: &[
            "Acme",
            "Northwind",
            "Bluebird",
            "Summit",
            "Granite",
            "Harbor",
            "Evergreen",
            "Pioneer",
        ],
        city: "New York",
        phone: |rng| {
            let exchange = rng.random_range(2..10u8);
            format!("+1 212 {exchange}{}-{}", digits(rng, 2), digits(rng, 4))
        },
    },
    Culture {
        first: &[
            "שרה",
            "דוד",
            "רחל",
            "משה",
            "נועה",
            "יוסף",
            "מיכל",
            "אברהם",
            "תמר",
            "דניאל",
            "אסתר",
            "יעקב",
        ],
        last: &[
            "כהן",
            "לוי",
            "מזרחי",
            "פרץ",
            "ביטון",
            "אברהם",
            "פרידמן",
            "אזולאי",
            "דהן",
            "אגבריה",
            "חדד",
            "גבאי",
        ],
        first_latin: &[
            "sarah", "david", "rachel", "moshe", "noa", "yosef", "michal", "avraham", "tamar",
            "daniel", "ester", "yaakov",
        ],
        last_latin: &[
            "cohen", "levi", "mizrahi", "peretz", "biton", "avraham", "friedman", "azulay",
            "dahan", "agbaria", "haddad", "gabay",
        ],
        company: |w| format!("{w} בע\"מ"),
        words: &[
            "אלפא",
            "גלבוע",
            "כרמל",
            "תבור",
            "ירדן",
            "חרמון",
            "נגב",
            "ארבל",
        ],
        city: "חיפה",
        phone: |rng| {
            let op = rng.random_range(0..9u8);
            format!("+972 5{op}-{}-{}", digits(rng, 3), digits(rng, 4))
        },
    },
    Culture {
        first: &[
            "محمد",
            "فاطمة",
            "أحمد",
            "مريم",
            "علي",
            "نور",
            "عمر",
            "ليلى",
            "يوسف",
            "سارة",
            "خالد",
            "هدى",
        ],
        last: &[
            "علي",
            "حسن",
            "حسين",
            "الخطيب",
            "النجار",
            "السيد",
            "عبدالله",
            "الحداد",
            "منصور",
            "سليمان",
            "إبراهيم",
            "يوسف",
        ],
        first_latin: &[
            "mohammed", "fatima", "ahmed", "maryam", "ali", "nour", "omar", "layla", "yousef",
            "sara", "khaled", "huda",
        ],
        last_latin: &[
            "ali", "hassan", "hussein", "alkhatib", "alnajjar", "alsayed", "abdullah", "alhaddad",
            "mansour", "suleiman", "ibrahim", "yousef",
        ],
        company: |w| format!("شركة {w}"),
        words: &[
            "النور",
            "الأمل",
            "الفجر",
            "الصفا",
            "الريان",
            "البحر",
            "النخيل",
            "الواحة",
        ],
        city: "دبي",
        phone: |rng| {
            let op = [0u8, 2, 4, 5, 6, 8][rng.random_range(0..6)];
            format!("+971 5{op} {} {}", digits(rng, 3), digits(rng, 4))
        },
    },
];

const POSITIONS: &[&str] = &[
    "Director",
    "Accountant",
    "Buyer",
    "Sales manager",
    "Engineer",
    "Owner",
];
const TAGS: &[&str] = &["VIP", "wholesale", "retail", "partner", "newsletter"];
const INDUSTRIES: &[&str] = &[
    "Retail",
    "Construction",
    "Manufacturing",
    "IT",
    "Logistics",
    "Windows and doors",
];

fn pick<'a>(rng: &mut StdRng, from: &'a [&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

fn company(rng: &mut StdRng, i: usize, region: Region, owners: &[i64]) -> Result<CompanyDraft> {
    let c = &CULTURES[i % CULTURES.len()];
    let word = pick(rng, c.words);
    let input = CompanyInput {
        name: format!("{} {}", (c.company)(word), i + 1),
        industry: pick(rng, INDUSTRIES).into(),
        website: format!("company{}.example.com", i + 1),
        phones: vec![(c.phone)(rng)],
        emails: vec![format!("office{}@company{}.example.com", i + 1, i + 1)],
        address: c.city.into(),
        tags: if rng.random_bool(0.3) {
            vec![pick(rng, TAGS).into()]
        } else {
            Vec::new()
        },
        responsible_id: owners.get(i % owners.len().max(1)).copied(),
        visible_to_all: rng.random_bool(0.1),
        ..Default::default()
    };
    input
        .validate(region)
        .map_err(|e| anyhow::anyhow!("demo company {i} is invalid: {e}"))
}

fn contact(
    rng: &mut StdRng,
    i: usize,
    region: Region,
    owners: &[i64],
    company_ids: &[i64],
) -> Result<ContactDraft> {
    let c = &CULTURES[rng.random_range(0..CULTURES.len())];
    let (f, l) = (
        rng.random_range(0..c.first.len()),
        rng.random_range(0..c.last.len()),
    );
    let mut phones = vec![(c.phone)(rng)];
    if rng.random_bool(0.3) {
        phones.push((c.phone)(rng));
    }
    let input = ContactInput {
        name: format!("{} {}", c.first[f], c.last[l]),
        position: pick(rng, POSITIONS).into(),
        // Most contacts work somewhere; several share each company.
        company_id: if !company_ids.is_empty() && rng.random_bool(0.7) {
            Some(company_ids[rng.random_range(0..company_ids.len())])
        } else {
            None
        },
        phones,
        emails: vec![format!(
            "{}.{}{}@example.com",
            c.first_latin[f],
            c.last_latin[l],
            i + 1
        )],
        birthday: rng.random_bool(0.5).then(|| {
            format!(
                "{}-{:02}-{:02}",
                rng.random_range(1950..2005),
                rng.random_range(1..13),
                rng.random_range(1..29)
            )
        }),
        address: c.city.into(),
        tags: if rng.random_bool(0.2) {
            vec![pick(rng, TAGS).into()]
        } else {
            Vec::new()
        },
        responsible_id: owners.get(i % owners.len().max(1)).copied(),
        visible_to_all: rng.random_bool(0.1),
        ..Default::default()
    };
    input
        .validate(region)
        .map_err(|e| anyhow::anyhow!("demo contact {i} is invalid: {e}"))
}

pub fn run(location: &Location, args: Args) -> Result<()> {
    let (settings, store) = super::open(location)?;
    super::require_current_schema(&store, location)?;
    let region = settings.region()?;
    let owners: Vec<i64> = store
        .users()?
        .iter()
        .filter(|u| u.active)
        .map(|u| u.id)
        .collect();
    if owners.is_empty() {
        bail!("the installation has no users: run `crm install` first");
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let actor = Actor::system();
    let started = Instant::now();

    let mut company_ids = Vec::with_capacity(args.companies);
    for start in (0..args.companies).step_by(BATCH) {
        let end = (start + BATCH).min(args.companies);
        let drafts = (start..end)
            .map(|i| company(&mut rng, i, region, &owners))
            .collect::<Result<Vec<_>>>()?;
        company_ids.extend(store.bulk_insert_companies(&actor, &drafts)?);
    }
    let mut done = 0;
    for start in (0..args.contacts).step_by(BATCH) {
        let end = (start + BATCH).min(args.contacts);
        let drafts = (start..end)
            .map(|i| contact(&mut rng, i, region, &owners, &company_ids))
            .collect::<Result<Vec<_>>>()?;
        store.bulk_insert_contacts(&actor, &drafts)?;
        done = end;
        if end.is_multiple_of(100_000) {
            eprintln!("{done} contacts…");
        }
    }
    // Fresh statistics, so the first pages after a large load are planned well.
    store.optimize()?;
    println!(
        "Added {} companies and {done} contacts in {:.1} s.",
        company_ids.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_culture_makes_valid_cards() {
        let mut rng = StdRng::seed_from_u64(7);
        let region: Region = "US".parse().unwrap();
        for i in 0..400 {
            company(&mut rng, i, region, &[1]).unwrap();
            contact(&mut rng, i, region, &[1, 2], &[10, 11]).unwrap();
        }
    }
}
