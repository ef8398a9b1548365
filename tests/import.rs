//! `crm-trends import`: a CSV file into the store through the sync rules. The UCI Online
//! Retail file imported with `--format online-retail` gives exactly the figures the Online
//! Retail sync test checks; bad rows are rejected alone, named by row and column in
//! `FILE.rejected.csv`, and the rest are stored; a file that is not CSV is one clear error.

use crate::online_retail;
use crate::support::{self, database_url, spawn_app_with, temp_dir};
use serde_json::json;
use std::io::BufReader;
use std::path::Path;
use std::process::Command;

/// What a run of `crm-trends import` printed, and its exit status.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn import(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_crm-trends"))
        .arg("import")
        .args(args)
        .args(["--database-url", &database_url(dir)])
        .output()
        .expect("run crm-trends import");
    Run {
        status: output.status.code().expect("an exit status"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The rows the online-retail rules skip, by reason, counted here from the file (the first
/// reason that applies to a row is its reason).
fn skipped_by_reason() -> (u64, [u64; 4]) {
    let file = std::fs::File::open(online_retail::data_path()).unwrap();
    let mut reader = csv::Reader::from_reader(BufReader::new(flate2::read::GzDecoder::new(file)));
    let (mut rows, mut skipped) = (0, [0; 4]);
    for record in reader.records() {
        let r = record.unwrap();
        rows += 1;
        let price: f64 = r[5].trim().parse().unwrap();
        if r[0].starts_with('C') {
            skipped[0] += 1;
        } else if r[6].trim().is_empty() {
            skipped[1] += 1;
        } else if r[3].trim().parse::<i64>().unwrap() <= 0 {
            skipped[2] += 1;
        } else if price <= 0.0 {
            skipped[3] += 1;
        }
    }
    (rows, skipped)
}

#[test]
fn the_online_retail_file_imports_with_the_figures_of_the_sync_test_and_again_changes_nothing() {
    let invoices = online_retail::load_invoices();
    let (rows, [cancelled, anonymous, quantity, price]) = skipped_by_reason();
    assert_eq!(rows, 541_909);
    let dir = temp_dir();
    let file = online_retail::data_path();
    let file = file.to_str().unwrap();
    let args =
        ["sales", file, "--format", "online-retail", "--timezone", "Europe/London", "--progress-every", "100000"];
    let first = import(dir.path(), &args);
    assert_eq!(first.status, 0, "{}\n{}", first.stdout, first.stderr);
    // The rules in the summary's order (by name), those that skipped no row left out.
    let reasons = [
        ("cancellation invoice (C...)", cancelled),
        ("no CustomerID", anonymous),
        ("quantity not positive", quantity),
        ("unit price not positive", price),
    ];
    let reasons: Vec<String> = reasons.iter().filter(|(_, n)| *n > 0).map(|(why, n)| format!("{why}: {n}")).collect();
    let skipped = format!("skipped by the format's rules: {}", reasons.join(", "));
    assert!(first.stdout.contains(&format!("{rows} rows in ")), "{}", first.stdout);
    assert!(
        first.stdout.contains(&format!(
            "18532 sales valid: 18532 created, 0 updated, 0 unchanged; 0 rows rejected (0 sales); {skipped}; columns \
             not read: Country"
        )),
        "{}",
        first.stdout
    );
    // Not a terminal: a plain line every 100,000 rows.
    let progress: Vec<&str> =
        first.stderr.lines().filter_map(|l| l.split_once(" rows read (").map(|(rows, _)| rows)).collect();
    assert_eq!(progress, ["100000", "200000", "300000", "400000", "500000"], "{}", first.stderr);
    assert!(!Path::new(&format!("{file}.rejected.csv")).exists());

    let again = import(dir.path(), &args);
    assert_eq!(again.status, 0, "{}", again.stderr);
    assert!(again.stdout.contains("18532 sales valid: 0 created, 0 updated, 18532 unchanged"), "{}", again.stdout);

    let mut customer_ids: Vec<i64> = invoices.iter().map(|i| i.customer).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let app = spawn_app_with(
        dir.path(),
        &["--timezone", "Europe/London", "--refresh-interval-secs", "86400", "--refresh-delay-secs", "3600"],
    );
    let last_day = invoices.iter().map(online_retail::Invoice::day).max().unwrap();
    let run = app.post(&format!("/api/analytics/refresh?as_of={last_day}"), &json!({}));
    assert_eq!(run.body["customers"], 4_338, "{:?}", run.body);
    online_retail::check_daily_revenue(&app, &invoices);
    online_retail::check_customers(&app, &invoices, &customer_ids);
    online_retail::check_top_products(&app, &invoices, last_day);
}

/// The report's rows: row, line, field, message (the values left out).
fn report(path: &Path) -> Vec<[String; 4]> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path).unwrap();
    reader.records().map(|r| r.unwrap()).map(|r| [0, 1, 2, 3].map(|i| r[i].to_owned())).collect()
}

fn strings<const N: usize>(rows: &[[&str; N]]) -> Vec<[String; N]> {
    rows.iter().map(|r| r.map(str::to_owned)).collect()
}

#[test]
fn bad_rows_are_rejected_alone_by_row_and_column_and_the_rest_are_stored() {
    let dir = temp_dir();
    let customers = dir.path().join("customers.csv");
    // Row 3: a bad date; row 4: no id; row 5: a Windows-1252 name in a UTF-8 file; row 6:
    // a quote never closed; row 7 is good again. Row 9 follows a blank line.
    let mut text =
        b"id;name;email;created_at\r\n1;Ann;ann@example.com;2024-01-05 10:00\r\n2;Bo;;2024-13-45\r\n;Cy;;\r\n4;Jos"
            .to_vec();
    text.extend(b"\xe9;;\r\n5;\"Di;;\r\n6;\"Ed, \"\"the\"\" best\";ed@example.com;\r\n\r\n7;'=Fay;;\r\n");
    std::fs::write(&customers, text).unwrap();
    let run = import(dir.path(), &["customers", customers.to_str().unwrap(), "--timezone", "Europe/London"]);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("7 rows in"), "{}", run.stdout);
    assert!(
        run.stdout.contains("3 customers valid: 3 created, 0 updated, 0 unchanged; 4 rows rejected (4 customers)"),
        "{}",
        run.stdout
    );
    let rejected = report(&dir.path().join("customers.csv.rejected.csv"));
    assert_eq!(
        rejected,
        strings(&[
            [
                "3",
                "3",
                "created_at",
                "\"2024-13-45\" is not a time this layout reads: RFC 3339 with an offset, or %Y-%m-%d %H:%M:%S or %Y-%m-%dT%H:%M:%S or %Y-%m-%d %H:%M or %Y-%m-%d in the store's time zone (Europe/London)"
            ],
            ["4", "4", "id", "is missing: every row needs its record's id"],
            [
                "5",
                "5",
                "name",
                "is not UTF-8 text (byte 0xE9 after \"Jos\"); a file saved by Excel or an older POS is often Windows-1252: import it with --encoding windows-1252"
            ],
            [
                "6",
                "6",
                "",
                "a quoted field opened on this line is not closed where the row ends (field 2 of the line); close it with a quote, and write a quote inside a field as \"\""
            ],
        ])
    );

    let app = spawn_app_with(dir.path(), &["--timezone", "Europe/London"]);
    let list = app.get("/api/customers?limit=10").body;
    let stored: Vec<(i64, &str)> = list["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(stored, [(1, "Ann"), (6, "Ed, \"the\" best"), (7, "=Fay")]);
}

#[test]
fn a_sale_stands_or_falls_with_all_its_rows() {
    let dir = temp_dir();
    let sales = dir.path().join("sales.csv");
    std::fs::write(
        &sales,
        "id,customer_id,total_amount,created_at,status,product_id,product_name,quantity,unit_price\n\
         10,1,5.00,2025-03-01T10:00:00Z,completed,A,Apple,2,1.50\n\
         10,,,,,B,Bread,1,2.00\n\
         11,1,12.505,2025-03-02T10:00:00Z,completed,A,Apple,1,1.00\n\
         12,2,3.00,2025-03-02 11:00,returned,A,Apple,2,1.50\n\
         13,2,3.50,2025-03-03 11:00,,A,Apple,1,1.50\n\
         13,2,,2025-03-03 11:00,,B,Bread,0,2.00\n\
         14,3,,2025-03-04 09:30,,A,Apple,3,1.25\n\
         15,3,,2025-03-04 09:45,,,,,\n",
    )
    .unwrap();
    let run = import(dir.path(), &["sales", sales.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("3 sales valid: 3 created, 0 updated, 0 unchanged; 4 rows rejected (3 sales)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        report(&dir.path().join("sales.csv.rejected.csv")),
        strings(&[
            ["4", "4", "total_amount", "must have at most 2 decimal places, got 12.505"],
            ["5", "5", "status", "must be one of completed, refunded, voided; got \"returned\""],
            ["6", "6", "id", "sale 13 was not imported: its row 7 is invalid"],
            ["7", "7", "quantity", "must be between 1 and 1000000, got 0"],
        ])
    );
    // Sale 10 with both lines (5.00), 14 totalled from its line (3 x 1.25), 15 a sale
    // without lines and without a total (0.00).
    let app = spawn_app_with(dir.path(), &[]);
    let trends = app.get("/api/analytics/trends?from=2025-03-01&to=2025-03-04").body;
    let days: Vec<(i64, i64)> = trends["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (support::cents(&p["revenue"]), p["salesCount"].as_i64().unwrap()))
        .collect();
    assert_eq!(days, [(500, 1), (0, 0), (0, 0), (375, 2)]);
}

#[test]
fn windows_1252_with_decimal_commas_through_a_mapping_file() {
    let dir = temp_dir();
    let products = dir.path().join("artikel.csv");
    std::fs::write(&products, b"Artikel;Bezeichnung;Bestand;EK\r\nA-1;Gr\xfcner Tee;12;2,5\r\nA-2;K\xe4se;3;10,25\r\n")
        .unwrap();
    let map = dir.path().join("artikel.toml");
    std::fs::write(
        &map,
        "decimal = \",\"\nencoding = \"windows-1252\"\n[columns]\nid = \"Artikel\"\nname = \"Bezeichnung\"\n\
         stock_on_hand = \"Bestand\"\nunit_cost = \"EK\"\n",
    )
    .unwrap();
    let run = import(dir.path(), &["products", products.to_str().unwrap(), "--map", map.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 products valid: 2 created"), "{}", run.stdout);
    let app = spawn_app_with(dir.path(), &[]);
    let list = app.get("/api/analytics/reorder").body;
    let mut products: Vec<(String, String, i64, f64)> = list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|l| {
            let text = |k: &str| l[k].as_str().unwrap().to_owned();
            (text("productId"), text("name"), l["stockOnHand"].as_i64().unwrap(), l["unitCost"].as_f64().unwrap())
        })
        .collect();
    products.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(products, [("A-1".into(), "Grüner Tee".into(), 12, 2.5), ("A-2".into(), "Käse".into(), 3, 10.25)]);
}

#[test]
fn a_file_that_is_not_csv_is_one_clear_error_and_a_dry_run_writes_nothing() {
    let dir = temp_dir();
    let png = dir.path().join("logo.csv");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00").unwrap();
    let run = import(dir.path(), &["customers", png.to_str().unwrap()]);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "crm-trends import: its first line is not text: it is not a CSV file (or not in this encoding)"
    );
    let other = dir.path().join("orders.csv");
    std::fs::write(&other, "order,when,amount\n1,today,3\n").unwrap();
    let run = import(dir.path(), &["sales", other.to_str().unwrap()]);
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stderr.trim(),
        "crm-trends import: this is not a CSV file of sales in this layout: it has none of the columns the layout \
         reads (missing id, created_at; its header has \"order\", \"when\", \"amount\")"
    );

    let customers = dir.path().join("customers.csv");
    std::fs::write(&customers, "id,name\n1,Ann\n2,\n").unwrap();
    let run = import(dir.path(), &["customers", customers.to_str().unwrap(), "--dry-run"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stdout.starts_with("checked (dry run, nothing written)"), "{}", run.stdout);
    assert_eq!(
        report(&dir.path().join("customers.csv.rejected.csv")),
        strings(&[["3", "3", "name", "must not be empty"]])
    );
    let app = spawn_app_with(dir.path(), &[]);
    assert_eq!(app.get("/api/customers").body["customers"], json!([]));
}

#[test]
fn tags_and_calendar_events_import_as_the_exports_write_them() {
    let dir = temp_dir();
    let customers = dir.path().join("customers.csv");
    let long = "x".repeat(41);
    std::fs::write(&customers, format!("id,name,tags\n1,Ann,\"Wedding\nvip\"\n2,Bo,\n3,Cy,\"ok\n{long}\"\n")).unwrap();
    let run = import(dir.path(), &["customers", customers.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        report(&dir.path().join("customers.csv.rejected.csv")),
        strings(&[["4", "5", "tags", &format!("tag {long:?} must be at most 40 characters, got 41")]])
    );

    let calendar = dir.path().join("calendar.csv");
    std::fs::write(
        &calendar,
        "id,event_type,name,date,end_date,impact_level,expected_demand_multiplier,lead_days,notes,uid,source_date\n\
         7,festival,Diwali,2025-10-20,2025-10-24,high,1.5,14,'+ sweets,,\n\
         ,holiday,Boxing Day,2025-12-26,,medium,,,,boxing@example.com,2025-12-26\n\
         ,holiday,Bad,2025-12-27,,huge,,,,,\n",
    )
    .unwrap();
    let run = import(dir.path(), &["calendar", calendar.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("2 calendar events valid: 2 created, 0 updated, 0 unchanged; 1 rows rejected"),
        "{}",
        run.stdout
    );
    assert_eq!(
        report(&dir.path().join("calendar.csv.rejected.csv"))[0][..3],
        ["4", "4", "impact_level"].map(String::from)
    );
    // Again: ids and natural keys upsert, nothing new.
    let again = import(dir.path(), &["calendar", calendar.to_str().unwrap()]);
    assert!(again.stdout.contains("2 calendar events valid: 0 created, 0 updated, 2 unchanged"), "{}", again.stdout);

    let app = spawn_app_with(dir.path(), &[]);
    assert_eq!(app.get("/api/customers/1/insights").body["purposeTags"], json!(["vip", "wedding"]));
    assert_eq!(app.get("/api/customers/2/insights").body["purposeTags"], json!([]));
    assert_eq!(
        app.get("/api/export/calendar").text,
        "id,event_type,name,date,end_date,impact_level,expected_demand_multiplier,lead_days,notes,uid,source_date\n\
         7,festival,Diwali,2025-10-20,2025-10-24,high,1.5,14,'+ sweets,,\n\
         8,holiday,Boxing Day,2025-12-26,,medium,1.25,,,boxing@example.com,2025-12-26\n"
    );
    // The event added next gets a new id, past the one the file gave.
    let added = app.post(
        "/api/calendar/events",
        &json!({"event_type": "promotion", "name": "Sale", "date": "2026-01-02", "impact_level": "low"}),
    );
    assert_eq!((added.status, added.body["id"].as_i64()), (201, Some(9)), "{:?}", added.body);
}

/// A row of `header`'s columns, the named ones filled, the rest empty, CSV-quoted.
fn row_of(header: &str, values: &[(&str, &str)]) -> String {
    let columns: Vec<&str> = header.split(',').collect();
    for (name, _) in values {
        assert!(columns.contains(name), "no column {name}");
    }
    let cells: Vec<&str> =
        columns.iter().map(|c| values.iter().find(|(n, _)| n == c).map_or("", |(_, v)| *v)).collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&cells).unwrap();
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// Shopify's orders export header, as the admin writes it (79 columns; docs/import.md).
const SHOPIFY_HEADER: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,\
Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,\
Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,\
Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,\
Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,\
Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,\
Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,\
Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,\
Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,\
Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References";

/// Square's item details export header (35 columns; docs/import.md).
const SQUARE_HEADER: &str = "Date,Time,Time Zone,Category,Item,Qty,Price Point Name,SKU,Modifiers Applied,Gross Sales,\
Discounts,Net Sales,Tax,Transaction ID,Payment ID,Device Name,Notes,Details,Event Type,Location,Dining Option,\
Customer ID,Customer Name,Customer Reference ID,Unit,Count,GTIN,Itemization Type,Commission,Employee,\
Fulfillment Note,Channel,Token,Card Brand,PAN Suffix";

/// The largest id, where the id map starts counting down.
const TOP: i64 = (1 << 53) - 1;

#[test]
fn a_shopify_orders_export_imports_with_order_numbers_and_emails_mapped_to_stable_ids() {
    let dir = temp_dir();
    let line = |values: &[(&str, &str)]| row_of(SHOPIFY_HEADER, values);
    let mut file = format!("{SHOPIFY_HEADER}\n");
    // #1001: two lines (the second row repeats the name, e-mail, time and the line fields).
    let first = [("Name", "#1001"), ("Email", "ann@example.com"), ("Created at", "2025-03-01 10:15:00 +0100")];
    file += &line(&[
        first[0],
        first[1],
        first[2],
        ("Financial Status", "paid"),
        ("Subtotal", "30.00"),
        ("Shipping", "5.50"),
        ("Total", "35.50"),
        ("Lineitem quantity", "2"),
        ("Lineitem name", "Mug"),
        ("Lineitem price", "10.00"),
        ("Lineitem sku", "MUG-1"),
        ("Payment Method", "Shopify Payments"),
        ("Refunded Amount", "0.00"),
        ("Id", "6954779508986"),
        ("Billing Name", "Ann Lee"),
    ]);
    file += &line(&[
        first[0],
        first[1],
        first[2],
        ("Lineitem quantity", "1"),
        ("Lineitem name", "Tea"),
        ("Lineitem price", "10.00"),
    ]);
    file += &line(&[
        ("Name", "#1002"),
        ("Email", "bo@example.com"),
        ("Created at", "2025-03-02 09:00:00 +0100"),
        ("Financial Status", "refunded"),
        ("Total", "12.00"),
        ("Refunded Amount", "12.00"),
        ("Lineitem quantity", "1"),
        ("Lineitem name", "Cake"),
        ("Lineitem price", "12.00"),
        ("Lineitem sku", "CAKE"),
    ]);
    // A guest's order, partly refunded: its total is what the shop kept.
    file += &line(&[
        ("Name", "#1003"),
        ("Created at", "2025-03-02 18:30:00 +0100"),
        ("Financial Status", "partially_refunded"),
        ("Total", "20.00"),
        ("Refunded Amount", "5.00"),
        ("Lineitem quantity", "2"),
        ("Lineitem name", "Mug"),
        ("Lineitem price", "10.00"),
        ("Lineitem sku", "MUG-1"),
    ]);
    file += &line(&[
        ("Name", "#1004"),
        ("Email", "ann@example.com"),
        ("Created at", "2025-03-03 08:00:00 +0100"),
        ("Financial Status", "paid"),
        ("Total", "7.50"),
        ("Refunded Amount", "0.00"),
        ("Lineitem quantity", "1"),
        ("Lineitem name", "Tea"),
        ("Lineitem price", "7.50"),
    ]);
    // The shop's customers first, known by e-mail through a mapping: the orders' e-mails
    // then name the same customers.
    let customers = dir.path().join("customers.csv");
    std::fs::write(&customers, "Email,First Name\nann@example.com,Ann\nbo@example.com,Bo\n").unwrap();
    let map = dir.path().join("customers.toml");
    std::fs::write(
        &map,
        "mapped_ids = [\"id\"]\n[columns]\nid = \"Email\"\nemail = \"Email\"\nname = \"First Name\"\n",
    )
    .unwrap();
    let run = import(dir.path(), &["customers", customers.to_str().unwrap(), "--map", map.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    let path = dir.path().join("orders_export.csv");
    std::fs::write(&path, &file).unwrap();
    let args = ["sales", path.to_str().unwrap(), "--format", "shopify"];
    let run = import(dir.path(), &args);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("5 rows in"), "{}", run.stdout);
    assert!(run.stdout.contains("4 sales valid: 4 created, 0 updated, 0 unchanged; 0 rows rejected"), "{}", run.stdout);
    let again = import(dir.path(), &args);
    assert!(again.stdout.contains("4 sales valid: 0 created, 0 updated, 4 unchanged"), "{}", again.stdout);

    // Orders #1001, #1002.. are TOP, TOP-1.. in the order they end in the file; Ann TOP,
    // Bo TOP-1: the same on every import.
    let app = spawn_app_with(dir.path(), &[]);
    let (s, c) = (|n: i64| TOP + 1 - n, |n: i64| TOP + 1 - n);
    assert_eq!(
        app.get("/api/export/sales").text,
        format!(
            "id,customer_id,total_amount,created_at,status,store_id,payment_method,product_id,product_name,category,\
             quantity,unit_price\n\
             {},{},7.50,2025-03-03T07:00:00Z,completed,,,Tea,Tea,,1,7.5000\n\
             {},,15.00,2025-03-02T17:30:00Z,completed,,,MUG-1,Mug,,2,10.0000\n\
             {},{},12.00,2025-03-02T08:00:00Z,refunded,,,CAKE,Cake,,1,12.0000\n\
             {},{},35.50,2025-03-01T09:15:00Z,completed,,Shopify Payments,MUG-1,Mug,,2,10.0000\n\
             {},{},35.50,2025-03-01T09:15:00Z,completed,,Shopify Payments,Tea,Tea,,1,10.0000\n",
            s(4),
            c(1),
            s(3),
            s(2),
            c(2),
            s(1),
            c(1),
            s(1),
            c(1)
        )
    );
    let customers = app.get("/api/export/customers").text;
    let emails: Vec<&str> = customers.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(emails, ["bo@example.com", "ann@example.com"], "by id: Bo (TOP-1) before Ann (TOP)");
    assert!(customers.contains(&format!("\n{},Ann,", c(1))), "{customers}");
}

#[test]
fn a_square_item_details_export_imports_with_refund_rows_skipped_and_amounts_read() {
    let dir = temp_dir();
    let line = |values: &[(&str, &str)]| row_of(SQUARE_HEADER, values);
    let customer = "GTY7JAA901CPDHWN4M3900J27W";
    let mut file = format!("{SQUARE_HEADER}\n");
    let t1 = [
        ("Date", "2026-07-18"),
        ("Time", "12:59:30"),
        ("Time Zone", "Eastern Time (US & Canada)"),
        ("Transaction ID", "Kp0RMdHx8ZKTdp0Yfi2J8b5OzKdZY"),
        ("Event Type", "Payment"),
        ("Location", "Main St"),
        ("Customer ID", customer),
    ];
    let mut latte = t1.to_vec();
    latte.extend([
        ("Category", "Drinks"),
        ("Item", "Latte"),
        ("Qty", "2.0"),
        ("SKU", "LAT-1"),
        ("Gross Sales", "$8.00"),
        ("Net Sales", "$8.00"),
    ]);
    file += &line(&latte);
    let mut muffin = t1.to_vec();
    muffin.extend([
        ("Category", "None"),
        ("Item", "Muffin"),
        ("Qty", "1.0"),
        ("Gross Sales", "$4.00"),
        ("Discounts", "-$0.50"),
        ("Net Sales", "$3.50"),
    ]);
    file += &line(&muffin);
    file += &line(&[
        ("Date", "2026-07-19"),
        ("Time", "09:05:00"),
        ("Transaction ID", "a9QzJ4cY1vWbN7eLpT3xK2mR8sHdG"),
        ("Event Type", "Payment"),
        ("Location", "Main St"),
        ("Category", "Drinks"),
        ("Item", "Latte"),
        ("Qty", "1.0"),
        ("SKU", "LAT-1"),
        ("Net Sales", "$1,004.00"),
    ]);
    // A refund is its own row, with negative amounts: skipped and counted.
    file += &line(&[
        ("Date", "2026-07-19"),
        ("Time", "10:00:00"),
        ("Transaction ID", "Zr5VbN2qLx8TfK1mW4cJ7hP0sYdEa"),
        ("Event Type", "Refund"),
        ("Item", "Latte"),
        ("Qty", "-1.0"),
        ("SKU", "LAT-1"),
        ("Net Sales", "-$4.00"),
    ]);
    // An item sold by weight: not whole units.
    file += &line(&[
        ("Date", "2026-07-19"),
        ("Time", "11:00:00"),
        ("Transaction ID", "Qm3XcV9bN1zL5kJ8hG2fD4sA6pO0i"),
        ("Event Type", "Payment"),
        ("Item", "Coffee beans"),
        ("Qty", "1.5"),
        ("Net Sales", "$18.00"),
    ]);
    let path = dir.path().join("items.csv");
    std::fs::write(&path, &file).unwrap();
    let run = import(dir.path(), &["sales", path.to_str().unwrap(), "--format", "square"]);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "2 sales valid: 2 created, 0 updated, 0 unchanged; 1 rows rejected (1 sales); skipped by \
             the format's rules: refund row (Event Type Refund): 1"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        report(&dir.path().join("items.csv.rejected.csv")),
        strings(&[[
            "6",
            "6",
            "Qty",
            "\"1.5\" is not a whole number of units (an item sold by weight): quantities are stored in whole units"
        ]])
    );
    let app = spawn_app_with(dir.path(), &[]);
    assert_eq!(
        app.get("/api/export/sales").text,
        format!(
            "id,customer_id,total_amount,created_at,status,store_id,payment_method,product_id,product_name,category,\
             quantity,unit_price\n\
             {},,1004.00,2026-07-19T09:05:00Z,completed,Main St,,LAT-1,Latte,Drinks,1,1004.0000\n\
             {},{},11.50,2026-07-18T12:59:30Z,completed,Main St,,LAT-1,Latte,Drinks,2,4.0000\n\
             {},{},11.50,2026-07-18T12:59:30Z,completed,Main St,,Muffin,Muffin,,1,3.5000\n",
            TOP - 1,
            TOP,
            TOP,
            TOP,
            TOP
        )
    );
}

/// `crm-trends import ARGS --url URL` with `CRM_API_KEY` set to `key` (or unset).
fn import_through(url: &str, key: Option<&str>, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm-trends"));
    command.arg("import").args(args).args(["--url", url]).env_remove("CRM_API_KEY");
    if let Some(key) = key {
        command.env("CRM_API_KEY", key);
    }
    let output = command.output().expect("run crm-trends import --url");
    Run {
        status: output.status.code().expect("an exit status"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn an_import_through_a_running_server_stores_what_one_straight_into_the_store_does() {
    const WRITE: &str = "write-key-0123456789abcdef";
    const READ: &str = "read-key-0123456789abcdef";
    let files = temp_dir();
    let customers = files.path().join("customers.csv");
    std::fs::write(
        &customers,
        "Email,First Name,Tags\nann@example.com,Ann,\"wedding\nbulk\"\nbo@example.com,Bo,\n,Nobody,\n",
    )
    .unwrap();
    let map = files.path().join("customers.toml");
    std::fs::write(
        &map,
        "mapped_ids = [\"id\"]\n[columns]\nid = \"Email\"\nemail = \"Email\"\nname = \"First Name\"\ntags = \"Tags\"\n",
    )
    .unwrap();
    let line = |values: &[(&str, &str)]| row_of(SHOPIFY_HEADER, values);
    let order = |name: &str, email: &str, at: &str, total: &str, sku: &str| {
        line(&[
            ("Name", name),
            ("Email", email),
            ("Created at", at),
            ("Financial Status", "paid"),
            ("Total", total),
            ("Lineitem quantity", "1"),
            ("Lineitem name", sku),
            ("Lineitem price", total),
            ("Lineitem sku", sku),
        ])
    };
    let orders = files.path().join("orders_export.csv");
    std::fs::write(
        &orders,
        format!(
            "{SHOPIFY_HEADER}\n{}{}{}{}",
            order("#1001", "ann@example.com", "2025-03-01 10:15:00 +0100", "12.50", "MUG"),
            order("#1002", "carl@example.com", "2025-03-01 11:00:00 +0000", "3.00", "TEA"),
            order("#1003", "bo@example.com", "yesterday", "4.00", "TEA"),
            order("#1004", "", "2025-03-02 09:30:00 +0100", "8.00", "CAKE"),
        ),
    )
    .unwrap();
    let (customers, map, orders) = (customers.to_str().unwrap(), map.to_str().unwrap(), orders.to_str().unwrap());
    let customer_args = ["customers", customers, "--map", map];
    let order_args = ["sales", orders, "--format", "shopify"];

    // Straight into a store in Europe/London.
    let straight = temp_dir();
    let run = import(straight.path(), &[&customer_args[..], &["--timezone", "Europe/London"]].concat());
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    let run = import(straight.path(), &[&order_args[..], &["--timezone", "Europe/London"]].concat());
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    let report = std::fs::read_to_string(format!("{orders}.rejected.csv")).unwrap();

    // Through a server of the same zone: its key from the environment, its zone its own.
    let through = temp_dir();
    let app = spawn_app_with(
        through.path(),
        &["--write-keys", WRITE, "--read-keys", READ, "--timezone", "Europe/London", "--refresh-delay-secs", "3600"],
    );
    let url = app.base.as_str();
    let refused = import_through(url, None, &customer_args);
    assert_eq!(refused.status, 2, "{}\n{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("401"), "{}", refused.stderr);
    let refused = import_through(url, Some(READ), &customer_args);
    assert_eq!(refused.status, 2);
    assert!(refused.stderr.contains("403"), "{}", refused.stderr);
    let run = import_through(url, Some(WRITE), &customer_args);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("; through {url}")), "{}", run.stdout);
    assert!(
        run.stdout.contains("2 customers valid: 2 created, 0 updated, 0 unchanged; 1 rows rejected"),
        "{}",
        run.stdout
    );
    // A dry run checks every row and writes nothing, not even to the id map.
    let dry = import_through(url, Some(WRITE), &[&order_args[..], &["--dry-run"]].concat());
    assert_eq!(dry.status, 1, "{}\n{}", dry.stdout, dry.stderr);
    let auth = [("Authorization", format!("Bearer {WRITE}"))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let lookup = json!({"kind": "sale", "sourceIds": ["#1001"]});
    let looked = app.send("POST", "/api/sync/source-ids", &auth, Some(&lookup));
    assert_eq!(looked.body["ids"], json!([null]), "{:?}", looked.body);
    assert_eq!(app.send("GET", "/api/health", &auth, None).body["database"]["counts"]["sales"], 0);

    let run = import_through(url, Some(WRITE), &order_args);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("3 sales valid: 3 created, 0 updated, 0 unchanged; 1 rows rejected"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(format!("{orders}.rejected.csv")).unwrap(), report, "the same report");
    let again = import_through(url, Some(WRITE), &order_args);
    assert!(again.stdout.contains("3 sales valid: 0 created, 0 updated, 3 unchanged"), "{}", again.stdout);
    // A time without an offset is read in the server's zone (British Summer Time here),
    // whatever --timezone says.
    let walk_in = files.path().join("walk_in.csv");
    std::fs::write(&walk_in, "id,created_at,total_amount\n77,2025-07-01 09:00:00,5.00\n").unwrap();
    let walk_in = walk_in.to_str().unwrap();
    let run = import_through(url, Some(WRITE), &["sales", walk_in, "--timezone", "Asia/Kolkata"]);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    let sale = app.send("GET", "/api/export/sales?from=2025-07-01&to=2025-07-01", &auth, None).text;
    assert!(sale.ends_with("\n77,,5.00,2025-07-01T08:00:00Z,completed,,,,,,,\n"), "{sale}");
    assert_eq!(import(straight.path(), &["sales", walk_in, "--timezone", "Europe/London"]).status, 0);
    let calendar = import_through(url, Some(WRITE), &["calendar", customers]);
    assert_eq!(calendar.status, 2);
    assert!(calendar.stderr.contains("a calendar file is imported straight into the store"), "{}", calendar.stderr);

    // Both stores hold the same records under the same ids, tags included.
    let exports = |app: &support::App| -> Vec<String> {
        ["customers", "products", "sales"]
            .iter()
            .map(|table| app.send("GET", &format!("/api/export/{table}"), &auth, None).text)
            .collect()
    };
    let through_exports = exports(&app);
    assert!(through_exports[0].contains(&format!("{TOP},Ann,")), "{}", through_exports[0]);
    assert!(through_exports[0].contains("bulk\nwedding"), "{}", through_exports[0]);
    app.stop();
    let straight_app = spawn_app_with(straight.path(), &["--write-keys", WRITE, "--timezone", "Europe/London"]);
    assert_eq!(exports(&straight_app), through_exports);
    // A store a server holds is not imported into straight.
    if !support::on_postgres() {
        let held = import(straight.path(), &customer_args);
        assert_eq!(held.status, 2);
        assert!(held.stderr.contains("import through it with --url"), "{}", held.stderr);
    }
}
