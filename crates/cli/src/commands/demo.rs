//! `crm demo`: realistic demo data at any size — names in English, Russian, Hebrew and Arabic,
//! valid phones, several contact persons per company — for trying the CRM, tests and benchmarks.
//! The same seed gives the same data.

use std::time::Instant;

use anyhow::{Result, bail};
use chrono::{Duration, Utc};
use crm_core::{
    Actor, CompanyDraft, CompanyInput, ContactDraft, ContactInput, Currency, DealInput, LineInput,
    Pipeline, PipelineInput, ProductDraft, ProductInput, Region, StageInput, StageKind,
};
use crm_store::{BulkDeal, Store};
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
    /// How many products to add to the catalogue.
    #[arg(long, default_value_t = 0)]
    products: usize,
    /// How many deals to add (20 % open, the rest won or lost), spread over the pipelines.
    #[arg(long, default_value_t = 0)]
    deals: usize,
    /// How many calls, notes, e-mails and meetings to log on the contacts' timelines.
    #[arg(long, default_value_t = 0)]
    activities: usize,
    /// How many tasks to add, spread over the users (most past ones done).
    #[arg(long, default_value_t = 0)]
    tasks: usize,
    /// How many pipelines there should be at least (more are created as needed).
    #[arg(long, default_value_t = 1)]
    pipelines: usize,
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

const PRODUCT_NAMES: &[&str] = &[
    "Окно ПВХ",
    "Дверь входная",
    "Подоконник",
    "Москитная сетка",
    "Window PVC",
    "Oak door",
    "Window sill",
    "Installation",
    "חלון אלומיניום",
    "نافذة ألمنيوم",
];
const PRODUCT_UNITS: &[&str] = &["pcs", "m²", "m", "h"];
const PIPELINE_NAMES: &[&str] = &["Retail", "Wholesale", "Installation", "Service", "Partners"];
const DEAL_TAGS: &[&str] = &["VIP", "срочно", "repeat"];

fn product(rng: &mut StdRng, i: usize, currency: Currency) -> Result<ProductDraft> {
    let input = ProductInput {
        name: format!(
            "{} {}×{}",
            pick(rng, PRODUCT_NAMES),
            rng.random_range(4..30) * 50,
            rng.random_range(4..30) * 50
        ),
        sku: format!("P-{:06}", i + 1),
        unit: pick(rng, PRODUCT_UNITS).into(),
        price: format!(
            "{}.{:02}",
            rng.random_range(100..100_000),
            rng.random_range(0..100)
        ),
        currency: currency.code().into(),
        category: pick(rng, INDUSTRIES).into(),
        active: rng.random_bool(0.95),
    };
    input
        .validate()
        .map_err(|e| anyhow::anyhow!("demo product {i} is invalid: {e}"))
}

/// The pipelines deals go into: the existing ones, plus new ones up to `wanted`.
fn pipelines(store: &Store, wanted: usize) -> Result<Vec<Pipeline>> {
    let mut all = store.pipelines()?;
    let stage = |name: &str, probability: i32, kind: StageKind| StageInput {
        id: None,
        name: name.into(),
        probability,
        color: String::new(),
        kind,
    };
    while all.len() < wanted {
        let input = PipelineInput {
            name: PIPELINE_NAMES[all.len() % PIPELINE_NAMES.len()].into(),
            stages: vec![
                stage("First call", 10, StageKind::Open),
                stage("Measuring", 30, StageKind::Open),
                stage("Agreement", 60, StageKind::Open),
                stage("Payment", 90, StageKind::Open),
                stage("Done", 100, StageKind::Won),
                stage("Lost", 0, StageKind::Lost),
            ],
        };
        let draft = input
            .validate()
            .map_err(|e| anyhow::anyhow!("demo pipeline is invalid: {e}"))?;
        all.push(store.create_pipeline(&Actor::system(), &draft)?);
    }
    Ok(all)
}

/// What a demo deal may refer to.
struct DealWorld<'a> {
    pipelines: &'a [Pipeline],
    reasons: &'a [i64],
    owners: &'a [i64],
    contacts: &'a [i64],
    companies: &'a [i64],
    products: &'a [(i64, ProductDraft)],
    currency: Currency,
}

fn deal(rng: &mut StdRng, i: usize, w: &DealWorld<'_>) -> Result<BulkDeal> {
    let p = &w.pipelines[i % w.pipelines.len()];
    let kind = match rng.random_range(0..10) {
        0 | 1 => StageKind::Open,
        2..=5 => StageKind::Won,
        _ => StageKind::Lost,
    };
    let choices: Vec<&crm_core::Stage> = p.stages.iter().filter(|s| s.kind == kind).collect();
    let stage = choices
        .get(rng.random_range(0..choices.len().max(1)))
        .copied()
        .ok_or_else(|| anyhow::anyhow!("pipeline {} has no {} stage", p.name, kind.as_str()))?;
    let first = p.stages.first().map_or(stage.id, |s| s.id);
    let lines: Vec<LineInput> = if !w.products.is_empty() && rng.random_bool(0.3) {
        (0..rng.random_range(1..4))
            .map(|_| {
                let (id, prod) = &w.products[rng.random_range(0..w.products.len())];
                LineInput {
                    product_id: Some(*id),
                    name: prod.name.clone(),
                    quantity: rng.random_range(1..10).to_string(),
                    unit_price: w.currency.plain(prod.price),
                    discount: if rng.random_bool(0.2) {
                        "5".into()
                    } else {
                        String::new()
                    },
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let any = |rng: &mut StdRng, ids: &[i64], p: f64| {
        (!ids.is_empty() && rng.random_bool(p)).then(|| ids[rng.random_range(0..ids.len())])
    };
    let input = DealInput {
        title: format!("{} #{}", pick(rng, PRODUCT_NAMES), i + 1),
        pipeline_id: Some(p.id),
        stage_id: Some(stage.id),
        amount: format!("{}", rng.random_range(1_000..1_000_000)),
        currency: w.currency.code().into(),
        responsible_id: w.owners.get(i % w.owners.len().max(1)).copied(),
        source: pick(rng, crm_core::deal::SOURCES).into(),
        contact_id: any(rng, w.contacts, 0.8),
        company_id: any(rng, w.companies, 0.5),
        visible_to_all: rng.random_bool(0.1),
        lost_reason_id: any(rng, w.reasons, 1.0),
        tags: if rng.random_bool(0.1) {
            vec![pick(rng, DEAL_TAGS).into()]
        } else {
            Vec::new()
        },
        lines: Some(lines),
        ..Default::default()
    };
    let draft = input
        .validate(w.currency)
        .map_err(|e| anyhow::anyhow!("demo deal {i} is invalid: {e}"))?;
    let created_at = Utc::now().naive_utc() - Duration::minutes(rng.random_range(60..1_051_200));
    let moved_at =
        (created_at + Duration::minutes(rng.random_range(0..86_400))).min(Utc::now().naive_utc());
    Ok(BulkDeal {
        draft,
        kind,
        first_stage_id: first,
        created_at,
        moved_at,
    })
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
    let mut contact_ids = Vec::with_capacity(args.contacts);
    for start in (0..args.contacts).step_by(BATCH) {
        let end = (start + BATCH).min(args.contacts);
        let drafts = (start..end)
            .map(|i| contact(&mut rng, i, region, &owners, &company_ids))
            .collect::<Result<Vec<_>>>()?;
        contact_ids.extend(store.bulk_insert_contacts(&actor, &drafts)?);
        if end.is_multiple_of(100_000) {
            eprintln!("{end} contacts…");
        }
    }
    let currency = settings.currency()?;
    let mut products = Vec::with_capacity(args.products);
    for start in (0..args.products).step_by(BATCH) {
        let end = (start + BATCH).min(args.products);
        let drafts = (start..end)
            .map(|i| product(&mut rng, i, currency))
            .collect::<Result<Vec<_>>>()?;
        let ids = store.bulk_insert_products(&actor, &drafts)?;
        products.extend(ids.into_iter().zip(drafts));
    }
    let mut deals = 0;
    if args.deals > 0 {
        let pipelines = pipelines(&store, args.pipelines)?;
        let reasons: Vec<i64> = store.lost_reasons(false)?.iter().map(|r| r.id).collect();
        let world = DealWorld {
            pipelines: &pipelines,
            reasons: &reasons,
            owners: &owners,
            contacts: &contact_ids,
            companies: &company_ids,
            products: &products,
            currency,
        };
        for start in (0..args.deals).step_by(BATCH) {
            let end = (start + BATCH).min(args.deals);
            let batch = (start..end)
                .map(|i| deal(&mut rng, i, &world))
                .collect::<Result<Vec<_>>>()?;
            store.bulk_insert_deals(&actor, &batch)?;
            deals = end;
            if end.is_multiple_of(100_000) {
                eprintln!("{end} deals…");
            }
        }
    }
    if args.activities > 0 && contact_ids.is_empty() {
        bail!("activities need contacts: add --contacts");
    }
    for start in (0..args.activities).step_by(BATCH * 4) {
        let end = (start + BATCH * 4).min(args.activities);
        let batch: Vec<_> = (start..end)
            .map(|_| super::demo_work::activity(&mut rng, &contact_ids, &owners))
            .collect();
        store.bulk_insert_activities(&actor, &batch)?;
        if end.is_multiple_of(200_000) {
            eprintln!("{end} activities…");
        }
    }
    for start in (0..args.tasks).step_by(BATCH * 4) {
        let end = (start + BATCH * 4).min(args.tasks);
        let batch: Vec<_> = (start..end)
            .map(|_| super::demo_work::task(&mut rng, &contact_ids, &owners))
            .collect();
        store.bulk_insert_tasks(&actor, &batch)?;
    }
    // Fresh statistics, so the first pages after a large load are planned well.
    store.optimize()?;
    println!(
        "Added {} companies, {} contacts, {} products, {deals} deals, {} activities and {} tasks in {:.1} s.",
        company_ids.len(),
        contact_ids.len(),
        products.len(),
        args.activities,
        args.tasks,
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
        let usd = Currency::parse("USD").unwrap();
        let products: Vec<(i64, ProductDraft)> = (0..50)
            .map(|i| (i as i64 + 1, product(&mut rng, i, usd).unwrap()))
            .collect();
        let stage = |id: i64, kind: StageKind| crm_core::Stage {
            id,
            pipeline_id: 1,
            name: format!("S{id}"),
            position: 0,
            probability: 50,
            color: "#123456".into(),
            kind,
        };
        let pipeline = Pipeline {
            id: 1,
            name: "P".into(),
            position: 0,
            stages: vec![
                stage(1, StageKind::Open),
                stage(2, StageKind::Won),
                stage(3, StageKind::Lost),
            ],
        };
        let world = DealWorld {
            pipelines: std::slice::from_ref(&pipeline),
            reasons: &[1],
            owners: &[1],
            contacts: &[1, 2],
            companies: &[3],
            products: &products,
            currency: usd,
        };
        for i in 0..400 {
            let d = deal(&mut rng, i, &world).unwrap();
            assert!(pipeline.stage(d.draft.stage_id.unwrap()).unwrap().kind == d.kind);
            assert!(d.moved_at >= d.created_at);
        }
    }
}
