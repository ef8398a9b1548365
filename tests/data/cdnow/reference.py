"""Reference numbers for the BG/NBD and Gamma-Gamma models on the CDNOW sample,
computed with the Python package `lifetimes` (0.11.3).

Run (see reference.md for the environment):
    python reference.py [path/to/CDNOW_sample.txt]

Unit of time: DAYS (freq='D'). Calibration: purchases dated 1997-01-01 .. 1997-09-30
(inclusive); holdout: 1997-10-01 .. 1998-06-30 (273 days). Several purchases by one
customer on one day count as one purchase (their spend summed), as lifetimes does.
"""

import hashlib
import os
import sys
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import minimize

import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value
from lifetimes.utils import calibration_and_holdout_data

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "CDNOW_sample.txt")

CAL_END = "1997-09-30"
OBS_END = "1998-06-30"
HOLDOUT_DAYS = 273

# Published values (Fader, Hardie & Lee 2005; Fader & Hardie, note 025; lifetimes docs).
PUB_BG_WEEKS = dict(r=0.2426, alpha=4.4137, a=0.7930, b=2.4262)
PUB_BG_DAYS = dict(r=0.2426, alpha=4.4137 * 7, a=0.7930, b=2.4262)
PUB_GG = dict(p=6.25, q=3.74, v=15.44)


def g(v):
    return format(float(v), ".10g")


def bg_total_ll(params, x, t_x, T):
    """Total log-likelihood (sum over customers) of BG/NBD, via lifetimes' own function."""
    logp = np.log([params["r"], params["alpha"], params["a"], params["b"]])
    w = np.ones_like(t_x, dtype=float)
    return -BetaGeoFitter._negative_log_likelihood(logp, x, t_x, T, w, 0.0) * len(x)


def gg_total_ll(params, x, m):
    logp = np.log([params["p"], params["q"], params["v"]])
    w = np.ones_like(m, dtype=float)
    return -GammaGammaFitter._negative_log_likelihood(logp, x, m, w, 0.0) * len(x)


def refine(nll, x0):
    """Polish an optimum: Nelder-Mead in log-parameters with very tight tolerances."""
    res = minimize(nll, x0, method="Nelder-Mead",
                   options=dict(xatol=1e-12, fatol=1e-14, maxiter=200000, maxfev=400000))
    return res


def section(title):
    print()
    print("=" * 78)
    print(title)
    print("=" * 78)


# ---------------------------------------------------------------------------
# Load the raw file
# ---------------------------------------------------------------------------
raw_bytes = open(PATH, "rb").read()
print("lifetimes", lifetimes.__version__, "| numpy", np.__version__, "| pandas", pd.__version__,
      "| python", sys.version.split()[0])
print("file", PATH)
print("sha256", hashlib.sha256(raw_bytes).hexdigest(), "bytes", len(raw_bytes))

tx = pd.read_csv(PATH, sep=r"\s+", header=None,
                 names=["master_id", "customer", "date", "cds", "spend"],
                 dtype={"master_id": str, "customer": str, "date": str})
tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
print("rows", len(tx), "| customers (2nd id column)", tx["customer"].nunique(),
      "| customers (master id)", tx["master_id"].nunique(),
      "| distinct (customer, date)", len(tx.drop_duplicates(["customer", "date"])))
print("dates", tx["date"].min().date(), "..", tx["date"].max().date(),
      "| total CDs", int(tx["cds"].sum()), "| total spend", g(tx["spend"].sum()))
first = tx.groupby("customer")["date"].min()
print("first purchases", first.min().date(), "..", first.max().date())

# ---------------------------------------------------------------------------
# (a) calibration / holdout summary
# ---------------------------------------------------------------------------
section("(a) calibration / holdout summary (days)")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    s = calibration_and_holdout_data(tx, "customer", "date", calibration_period_end=CAL_END,
                                     observation_period_end=OBS_END, freq="D",
                                     monetary_value_col="spend")
x = s["frequency_cal"].to_numpy()
t_x = s["recency_cal"].to_numpy()
T = s["T_cal"].to_numpy()
print("customers", len(s))
print("sum frequency_cal", int(x.sum()))
print("customers with frequency_cal>0", int((x > 0).sum()))
print("sum frequency_holdout", int(s["frequency_holdout"].sum()))
print("duration_holdout", s["duration_holdout"].iloc[0])
print("T_cal min/max", g(T.min()), g(T.max()), "| recency_cal max", g(t_x.max()),
      "| frequency_cal max", int(x.max()))
print("sum recency_cal", g(t_x.sum()), "| sum T_cal", g(T.sum()))
print("sum monetary_value_cal (x>0)", g(s.loc[s.frequency_cal > 0, "monetary_value_cal"].sum()))

# Compare with lifetimes' own summary of the same data (weeks, 2 decimals).
ref = load_cdnow_summary_data_with_monetary_value()
ref.index = ref.index.astype(int)
mine = s.copy()
mine.index = mine.index.astype(int)
mine = mine.loc[ref.index]
print("lifetimes' cdnow_customers_summary_with_transactions.csv vs raw file:")
print("  customers", len(ref), "| same ids", bool((mine.index == ref.index).all()))
print("  frequency equal for", int((mine.frequency_cal.values == ref.frequency.values).sum()), "of", len(ref),
      "| sum x (csv)", int(ref.frequency.sum()))
print("  max |t_x/7 - csv t_x|", g(np.abs(mine.recency_cal.values / 7 - ref.recency.values).max()),
      "| max |T/7 - csv T|", g(np.abs(mine.T_cal.values / 7 - ref["T"].values).max()))
dm = np.abs(mine.monetary_value_cal.values - ref.monetary_value.values)
print("  max |zbar - csv zbar|", g(dm.max()), "| customers with |diff| > 0.005 + 1e-9:", int((dm > 0.005 + 1e-9).sum()),
      "(the csv is the raw values rounded to 2 decimals)")

# ---------------------------------------------------------------------------
# (b) BG/NBD fits
# ---------------------------------------------------------------------------
section("(b) BG/NBD fit")
fits = {}
for unit, div in (("days", 1.0), ("weeks", 7.0)):
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        bgf.fit(x, t_x / div, T / div)
    p = dict(bgf.params_)
    ll = bg_total_ll(p, x, t_x / div, T / div)
    print(f"[{unit}] lifetimes fit: r={g(p['r'])} alpha={g(p['alpha'])} a={g(p['a'])} b={g(p['b'])}"
          f"  LL={g(ll)}  (lifetimes' own _negative_log_likelihood_ on internally rescaled time:"
          f" {g(bgf._negative_log_likelihood_)}; warnings: {len(w)})")
    # polish
    nll = lambda lp: BetaGeoFitter._negative_log_likelihood(lp, x, t_x / div, T / div,
                                                            np.ones_like(t_x), 0.0)
    res = refine(nll, np.log([p["r"], p["alpha"], p["a"], p["b"]]))
    q = dict(zip(["r", "alpha", "a", "b"], np.exp(res.x)))
    llq = bg_total_ll(q, x, t_x / div, T / div)
    print(f"[{unit}] polished MLE : r={g(q['r'])} alpha={g(q['alpha'])} a={g(q['a'])} b={g(q['b'])}"
          f"  LL={g(llq)}  (Nelder-Mead success={res.success}, LL gain {llq - ll:.3g})")
    fits[unit] = (bgf, p, q, ll, llq)
pub_ll_w = bg_total_ll(PUB_BG_WEEKS, x, t_x / 7, T / 7)
pub_ll_d = bg_total_ll(PUB_BG_DAYS, x, t_x, T)
print("published (weeks) r=0.2426 alpha=4.4137 a=0.7930 b=2.4262 LL=-9582.43")
print("LL of the published parameters on this data: weeks", g(pub_ll_w), "| days (alpha*7)", g(pub_ll_d))
print("LL(days) - LL(weeks) at the same parameters = -sum(x)*ln 7 =", g(-x.sum() * np.log(7)))
pd_, pw = fits["days"][2], fits["weeks"][2]
print("days fit alpha/7 =", g(pd_["alpha"] / 7), "| weeks fit alpha*7 =", g(pw["alpha"] * 7))

# lifetimes' shipped summary (weeks, rounded to 2 decimals)
bgr = BetaGeoFitter().fit(ref.frequency, ref.recency, ref["T"])
pr = dict(bgr.params_)
print(f"lifetimes' shipped summary csv (weeks): r={g(pr['r'])} alpha={g(pr['alpha'])} a={g(pr['a'])}"
      f" b={g(pr['b'])} LL={g(bg_total_ll(pr, ref.frequency.values, ref.recency.values, ref['T'].values))}")

# ---------------------------------------------------------------------------
# (c) Gamma-Gamma
# ---------------------------------------------------------------------------
section("(c) Gamma-Gamma fit")
rep = s[(s.frequency_cal > 0) & (s.monetary_value_cal > 0)]
print("customers with x>0 and m>0:", len(rep))
for name, fx, fm in (("raw file (days)", rep.frequency_cal.values, rep.monetary_value_cal.values),
                     ("lifetimes' shipped csv",
                      ref.loc[(ref.frequency > 0) & (ref.monetary_value > 0), "frequency"].values,
                      ref.loc[(ref.frequency > 0) & (ref.monetary_value > 0), "monetary_value"].values)):
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ggf.fit(fx, fm)
    p = dict(ggf.params_)
    ll = gg_total_ll(p, fx, fm)
    nll = lambda lp: GammaGammaFitter._negative_log_likelihood(lp, fx, fm, np.ones_like(fm), 0.0)
    res = refine(nll, np.log([p["p"], p["q"], p["v"]]))
    q = dict(zip(["p", "q", "v"], np.exp(res.x)))
    llq = gg_total_ll(q, fx, fm)
    print(f"[{name}] n={len(fx)} sum x={int(fx.sum())}")
    print(f"   lifetimes fit: p={g(p['p'])} q={g(p['q'])} v={g(p['v'])} LL={g(ll)}"
          f" (warnings: {len(w)})")
    print(f"   polished MLE : p={g(q['p'])} q={g(q['q'])} v={g(q['v'])} LL={g(llq)}"
          f" (success={res.success}, LL gain {llq - ll:.3g})")
    print(f"   LL at published p=6.25 q=3.74 v=15.44: {g(gg_total_ll(PUB_GG, fx, fm))}")
    print(f"   population mean p*v/(q-1) (lifetimes fit): {g(p['p'] * p['v'] / (p['q'] - 1))}")

# ---------------------------------------------------------------------------
# (d) BG/NBD predictions with the published parameters, in days
# ---------------------------------------------------------------------------
section("(d) BG/NBD with published params in days: r=0.2426 alpha=30.8959 a=0.7930 b=2.4262")
bgp = BetaGeoFitter()
bgp.params_ = pd.Series(PUB_BG_DAYS)[["r", "alpha", "a", "b"]]
cases = [(0, 0, 200), (1, 30, 200), (2, 212, 272), (5, 100, 273), (14, 250, 260),
         (40, 260, 270), (3, 10, 273), (1000, 2000, 2100)]
horizons = [1, 30, 365, 3650]


def call(f, *args):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            v = float(np.asarray(f(*args)).ravel()[0])
    note = ""
    if not np.isfinite(v):
        note += " [NON-FINITE]"
    if w:
        note += " [warn: " + "; ".join(sorted({str(i.message) for i in w})) + "]"
    return g(v) + note


print("x, t_x, T | P(alive) | E[X(t)] for t = " + ", ".join(map(str, horizons)))
for (cx, ct, cT) in cases:
    pa = call(bgp.conditional_probability_alive, cx, ct, cT)
    es = [call(bgp.conditional_expected_number_of_purchases_up_to_time, t, cx, ct, cT) for t in horizons]
    print(f"({cx}, {ct}, {cT}) | {pa} | " + " | ".join(es))
# Independent cross-check of the same formulas in 50-digit arithmetic (optional: needs mpmath).
try:
    import mpmath as mp
except ImportError:
    mp = None
if mp is not None:
    mp.mp.dps = 50
    r_, al_, a_, b_ = (mp.mpf(str(PUB_BG_DAYS[k])) for k in ("r", "alpha", "a", "b"))
    al_ = mp.mpf("4.4137") * 7

    def mp_palive(x_, tx_, T_):
        if x_ == 0:
            return mp.mpf(1)
        return 1 / (1 + a_ / (b_ + x_ - 1) * ((al_ + T_) / (al_ + tx_)) ** (r_ + x_))

    def mp_cexp(t_, x_, tx_, T_):
        z = mp.mpf(t_) / (al_ + T_ + t_)
        num = (a_ + b_ + x_ - 1) / (a_ - 1) * (
            1 - ((al_ + T_) / (al_ + T_ + t_)) ** (r_ + x_) * mp.hyp2f1(r_ + x_, b_ + x_, a_ + b_ + x_ - 1, z))
        den = 1 + (a_ / (b_ + x_ - 1) * ((al_ + T_) / (al_ + tx_)) ** (r_ + x_) if x_ > 0 else 0)
        return num / den

    print("mpmath (50 digits) cross-check of the same quantities, and the largest relative difference"
          " from lifetimes' float64 value:")
    for (cx, ct, cT) in cases:
        pa = mp_palive(cx, ct, cT)
        es = [mp_cexp(t, cx, ct, cT) for t in horizons]
        lt = [float(np.asarray(bgp.conditional_expected_number_of_purchases_up_to_time(t, cx, ct, cT)).ravel()[0])
              for t in horizons]
        lp = float(np.asarray(bgp.conditional_probability_alive(cx, ct, cT)).ravel()[0])
        rel = max(abs(float(v) - l) / abs(float(v)) for v, l in zip([pa] + es, [lp] + lt))
        print(f"  ({cx}, {ct}, {cT}) | {mp.nstr(pa, 10)} | " + " | ".join(mp.nstr(v, 10) for v in es)
              + f" | max rel diff {rel:.2g}")
print("unconditional E[X(t)] (expected_number_of_purchases_up_to_time):",
      " | ".join(f"t={t}: {call(bgp.expected_number_of_purchases_up_to_time, t)}" for t in horizons))

# ---------------------------------------------------------------------------
# (e) Gamma-Gamma conditional expected average profit with the published params
# ---------------------------------------------------------------------------
section("(e) Gamma-Gamma E[M | x, m] with p=6.25 q=3.74 v=15.44")
ggp = GammaGammaFitter()
ggp.params_ = pd.Series(PUB_GG)[["p", "q", "v"]]
for (cx, cm) in [(1, 20.0), (5, 35.5), (0, 0.0), (50, 10.0)]:
    v = ggp.conditional_expected_average_profit(np.array([cx], dtype=float), np.array([cm]))
    print(f"x={cx} m={cm}: {g(np.asarray(v).ravel()[0])}")
print("population mean p*v/(q-1):", g(6.25 * 15.44 / (3.74 - 1)))

# ---------------------------------------------------------------------------
# (f) calibration vs holdout
# ---------------------------------------------------------------------------
section("(f) holdout: expected vs actual repeat purchase days")
cal_end = pd.Timestamp(CAL_END)
ho = tx[(tx.date > cal_end) & (tx.date <= pd.Timestamp(OBS_END)) & tx.customer.isin(s.index)]
ho_days = ho.drop_duplicates(["customer", "date"])
ho_days = ho_days.assign(day=(ho_days.date - cal_end).dt.days)  # 1 = 1997-10-01
for label, params in (("fitted day model (lifetimes fit)", fits["days"][1]),
                      ("fitted day model (polished MLE)", fits["days"][2]),
                      ("published params in days", PUB_BG_DAYS)):
    m = BetaGeoFitter()
    m.params_ = pd.Series(params)[["r", "alpha", "a", "b"]]

    def E(t):
        return m.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)

    print(f"[{label}] sum E[X({HOLDOUT_DAYS})] = {g(E(HOLDOUT_DAYS).sum())}"
          f" | actual sum frequency_holdout = {int(s.frequency_holdout.sum())}")
    for k in range(4):
        exp_k = (E(7 * (k + 1)) - E(7 * k) if k > 0 else E(7)).sum()
        lo, hi = 7 * k + 1, 7 * (k + 1)
        act = int(((ho_days.day >= lo) & (ho_days.day <= hi)).sum())
        d0 = (cal_end + pd.Timedelta(days=lo)).date()
        d1 = (cal_end + pd.Timedelta(days=hi)).date()
        print(f"   week {k + 1} ({d0} .. {d1}, days ({7 * k}, {7 * (k + 1)}]): expected {g(exp_k)}"
              f" | actual {act}")
print("check: distinct holdout purchase days (from raw file) =", len(ho_days))
