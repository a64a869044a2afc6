"""Longer pandas notebooks: load or generate a frame, clean it, several analysis sections, plots, a report.

Data is generated with a seeded numpy Generator in the cell that builds the
frame (in ``retail-keep-returns``, kind ``rng-shared``, one Generator feeds three
cells, as people do), or written out literally.  As many notebooks do, those that use
``inplace=`` (deprecated for several methods in pandas 3.1) silence warnings at
the top.  ``where:...`` tags the place of the edit.
"""

from ..scenario import rewrite

_IMPORTS = r"""import warnings
warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt"""

_SALES = [
    _IMPORTS,
    r"""rng = np.random.default_rng(42)
n = 240
sales = pd.DataFrame({
    "date": pd.date_range("2024-01-01", periods=n, freq="D"),
    "region": rng.choice(["north", "south", "east", "west"], n),
    "product": rng.choice(["widget", "gadget", "doohickey"], n),
    "units": rng.integers(-2, 20, n),
    "price": rng.choice([9.99, 14.99, 24.99], n),
})
sales.loc[rng.choice(n, 12, replace=False), "price"] = np.nan
sales.head()""",
    r"""sales.shape, sales.isna().sum().to_dict()""",
    r"""sales = sales.dropna(subset=["price"])
sales = sales[sales["units"] > 0]
len(sales)""",
    r"""sales["revenue"] = sales["units"] * sales["price"]
sales["month"] = sales["date"].dt.month
sales.head()""",
    r"""sales.describe().round(2)""",
    r"""by_region = sales.groupby("region")["revenue"].sum().sort_values(ascending=False)
by_region""",
    r"""by_product = sales.pivot_table(index="product", columns="region", values="units", aggfunc="sum")
by_product""",
    r"""monthly = sales.groupby("month")["revenue"].sum()
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(monthly.index, monthly.values, marker="o")
ax.set_title("Revenue by month")""",
    r"""top_days = sales.nlargest(5, "revenue")[["date", "region", "revenue"]]
top_days""",
    r"""best_region = by_region.index[0]
share = by_region.iloc[0] / by_region.sum()
print(f"{best_region} brings {share:.1%} of revenue")""",
    r"""print(f"{len(sales)} clean sales, revenue {sales.revenue.sum():,.2f}")
print(f"best month: {monthly.idxmax()}, best region: {best_region}")""",
]

_WEATHER = [
    _IMPORTS,
    r"""rng = np.random.default_rng(7)
days = pd.date_range("2023-01-01", "2023-12-31", freq="D")
seasonal = 12 - 10 * np.cos(2 * np.pi * (days.day_of_year - 15) / 365)
weather = pd.DataFrame(
    {"temp": seasonal + rng.normal(0, 3, len(days)), "rain_mm": rng.gamma(0.6, 4, len(days)).round(1)},
    index=days,
)
weather.head()""",
    r"""weather["temp"] = weather["temp"].round(1)
weather.loc[weather["rain_mm"] < 0.2, "rain_mm"] = 0.0
round((weather["rain_mm"] == 0).mean(), 3)""",
    r"""weather["temp_7d"] = weather["temp"].rolling(7, center=True, min_periods=1).mean()""",
    r"""monthly = weather.resample("ME").agg({"temp": "mean", "rain_mm": "sum"}).round(1)
monthly""",
    r"""fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(weather.index, weather["temp"], alpha=0.3, label="daily")
ax.plot(weather.index, weather["temp_7d"], label="7-day mean")
ax.set_ylabel("°C")
ax.legend()
ax.set_title("Temperature 2023")""",
    r"""HOT = 22
hot_days = weather[weather["temp"] > HOT]
len(hot_days), hot_days.index.month.value_counts().sort_index().to_dict()""",
    r"""wet = (weather["rain_mm"] > 0).astype(int)
streak_id = (wet != wet.shift()).cumsum()
longest_wet = int(wet.groupby(streak_id).sum().max())
longest_wet""",
    r"""fig2, ax2 = plt.subplots(figsize=(6, 3))
ax2.bar(monthly.index.month, monthly["rain_mm"])
ax2.set_title("Rain per month")""",
    r"""coldest = weather["temp"].idxmin()
warmest = weather["temp"].idxmax()
coldest.date(), warmest.date()""",
    r"""print(f"{len(hot_days)} days above {HOT} °C, longest wet spell {longest_wet} days")
print(f"coldest {coldest:%d %b}, warmest {warmest:%d %b}")""",
]

_STAFF = [
    r"""import pandas as pd""",
    r"""staff = pd.DataFrame({
    "name": ["ann", "bob", "cat", "dan", "eve", "fox", "gus", "hal", "ivy", "jon", "kim", "lee"],
    "dept": ["eng", "eng", "ops", "sales", "eng", "ops", "sales", "eng", "sales", "ops", "eng", "sales"],
    "salary": [98000, 87000, 61000, 72000, 105000, 58000, 69000, 91000, 75000, 64000, 99000, 71000],
    "years": [6, 3, 8, 2, 10, 1, 4, 5, 7, 3, 2, 9],
    "rating": [4, 3, 5, 2, 4, 3, 4, 5, 3, 4, 2, 5],
})
staff.shape""",
    r"""CONFIG = {"raise_pct": 0.03, "bonus_rating": 4, "bonus": 1500, "senior_years": 5}""",
    r"""CONFIG["raise_pct"] = 0.04  # budget approved""",
    r"""staff["senior"] = staff["years"] >= CONFIG["senior_years"]
staff["new_salary"] = (staff["salary"] * (1 + CONFIG["raise_pct"])).round(-1)
staff.loc[staff["rating"] >= CONFIG["bonus_rating"], "new_salary"] += CONFIG["bonus"]
staff.head()""",
    r"""dept_summary = staff.groupby("dept").agg(
    headcount=("name", "count"), payroll=("new_salary", "sum"), avg_rating=("rating", "mean"),
).round(2)
dept_summary""",
    r'''increase = staff["new_salary"].sum() - staff["salary"].sum()
f"payroll grows by {increase:,.0f}"''',
    r"""staff.groupby("senior")["salary"].mean().round(0)""",
    r"""staff.sort_values("years", ascending=False).head(3)[["name", "years"]]""",
    r"""staff["rating"].value_counts().sort_index()""",
    r"""print(f"{len(staff)} people, raise {CONFIG['raise_pct']:.0%}, payroll +{increase:,.0f}")
print(f"largest department: {dept_summary['headcount'].idxmax()}")""",
]

_SURVEY = [
    _IMPORTS,
    r"""raw = pd.DataFrame({
    "age": [23, 35, 41, 29, 52, 67, 31, 45, 38, 24, 58, 33, 27, 49, 62, 36, 44, 21, 55, 30],
    "country": [" USA", "usa", "U.S.", "Canada", "canada ", "UK", "uk", "USA", "Can", "US", "UK",
                "United States", "Canada", "usa", "UK ", "CAN", "US", "uk", "canada", "USA"],
    "satisfaction": [4, 5, 3, 2, 4, 5, 1, 3, 4, 5, 2, 4, 3, 5, 4, 2, 3, 4, 5, 3],
    "recommend": ["yes", "Yes", "no", "N", "yes", "YES", "no", "y", "yes", "yes", "no", "Yes",
                  "no", "yes", "y", "n", "yes", "yes", "Yes", "no"],
})
raw.head()""",
    r"""survey = raw.copy()
survey["country"] = survey["country"].str.strip().str.upper()
survey["country"].value_counts()""",
    r"""COUNTRY_MAP = {"U.S.": "USA", "US": "USA", "UNITED STATES": "USA"}
survey["country"] = survey["country"].replace(COUNTRY_MAP)
survey["recommend"] = survey["recommend"].str.strip().str.lower().str[0].map({"y": True, "n": False})
survey.head()""",
    r"""survey["age_group"] = pd.cut(survey["age"], bins=[0, 25, 40, 60, 100], labels=["<25", "25-39", "40-59", "60+"])""",
    r"""survey.groupby("country")["satisfaction"].agg(["mean", "count"]).round(2)""",
    r"""pd.crosstab(survey["age_group"], survey["recommend"])""",
    r"""promoters = (survey["satisfaction"] >= 4).mean()
detractors = (survey["satisfaction"] <= 2).mean()
nps = round(100 * (promoters - detractors))
nps""",
    r"""survey.groupby("age_group", observed=True)["satisfaction"].mean().round(2)""",
    r"""by_country = survey.groupby("country")["recommend"].mean()
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(by_country.index, by_country.values)
ax.set_title("would recommend")""",
    r"""print(f"{len(survey)} answers from {survey['country'].nunique()} countries, NPS {nps}")""",
]

_STOCKS = [
    _IMPORTS,
    r"""rng = np.random.default_rng(2024)
dates = pd.bdate_range("2024-01-01", periods=250)
returns = rng.normal(0.0005, 0.015, size=(250, 3))
prices = pd.DataFrame(100 * np.exp(np.cumsum(returns, axis=0)), index=dates, columns=["ACME", "GLOBX", "INITECH"]).round(2)
prices.tail()""",
    r"""daily = prices.pct_change().dropna()
daily.describe().round(4)""",
    r"""vol = daily.std() * np.sqrt(252)
vol.round(3)""",
    r"""daily.corr().round(2)""",
    r"""SHORT, LONG = 10, 50""",
    r"""acme = prices[["ACME"]].copy()
acme["short"] = acme["ACME"].rolling(SHORT).mean()
acme["long"] = acme["ACME"].rolling(LONG).mean()
acme["signal"] = np.where(acme["short"] > acme["long"], 1, 0)
crossings = int(acme["signal"].diff().abs().sum())
crossings""",
    r"""strategy = (acme["signal"].shift(1) * daily["ACME"]).dropna()
strategy_return = round((1 + strategy).prod() - 1, 4)
strategy_return""",
    r"""fig, ax = plt.subplots(figsize=(7, 3))
for col in ["ACME", "short", "long"]:
    ax.plot(acme.index, acme[col], lw=1, label=col)
ax.legend()
ax.set_title("ACME with moving averages")""",
    r"""peak = prices.cummax()
drawdown = (prices / peak - 1).min().round(3)
drawdown""",
    r"""total_return = (prices.iloc[-1] / prices.iloc[0] - 1).sort_values(ascending=False)
total_return.round(3)""",
    r"""print(f"best stock {total_return.index[0]} ({total_return.iloc[0]:.1%}), worst drawdown {drawdown.min():.1%}")
print(f"moving-average strategy on ACME: {strategy_return:.1%} with {crossings} crossings")""",
]

_HOUSES = [
    _IMPORTS,
    r"""rng = np.random.default_rng(0)
n = 200
houses = pd.DataFrame({
    "sqft": rng.normal(1500, 400, n).round(),
    "bedrooms": rng.integers(1, 6, n),
    "age": rng.integers(0, 80, n),
    "distance_km": rng.uniform(1, 30, n).round(1),
})
houses["price"] = (
    50_000 + 120 * houses.sqft + 8_000 * houses.bedrooms - 900 * houses.age
    - 2_500 * houses.distance_km + rng.normal(0, 20_000, n)
).round(-2)
houses.head()""",
    r"""houses = houses[(houses.sqft > 500) & (houses.price > 0)].reset_index(drop=True)
len(houses)""",
    r"""houses.describe().round(1)""",
    r"""houses.corr()["price"].sort_values(ascending=False).round(3)""",
    r"""def fit(df, features, target="price"):
    X = np.column_stack([np.ones(len(df))] + [df[f].to_numpy(dtype=float) for f in features])
    coef, *_ = np.linalg.lstsq(X, df[target].to_numpy(dtype=float), rcond=None)
    return dict(zip(["intercept"] + features, coef.round(2))), X @ coef""",
    r"""def r2(y, pred):
    y = np.asarray(y, dtype=float)
    return 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()""",
    r"""FEATURES = ["sqft", "bedrooms"]
coef_a, pred_a = fit(houses, FEATURES)
r2_a = round(r2(houses.price, pred_a), 3)
coef_a, r2_a""",
    r"""coef_b, pred_b = fit(houses, ["sqft", "bedrooms", "age", "distance_km"])
r2_b = round(r2(houses.price, pred_b), 3)
coef_b, r2_b""",
    r"""resid = houses.price - pred_b
fig, ax = plt.subplots()
ax.scatter(pred_b, resid, s=8)
ax.axhline(0, color="k", lw=0.5)
ax.set_title("residuals, model B")""",
    r"""houses.assign(resid=resid).nlargest(3, "resid")[["sqft", "price", "resid"]].round(0)""",
    r"""print(f"{len(houses)} houses; R² with {', '.join(FEATURES)}: {r2_a}; with all four: {r2_b}")""",
]

_TRAFFIC = [
    _IMPORTS,
    r"""rng = np.random.default_rng(11)
n = 500
sessions = pd.DataFrame({
    "channel": rng.choice(["search", "social", "email", "direct"], n, p=[0.4, 0.25, 0.15, 0.2]),
    "pages": rng.poisson(4, n) + 1,
    "added_to_cart": rng.random(n) < 0.3,
})
sessions["purchased"] = sessions["added_to_cart"] & (rng.random(n) < 0.45)
sessions.head()""",
    r"""sessions.loc[rng.choice(n, 60, replace=False), "pages"] = 1
sessions["bounced"] = sessions["pages"] == 1
round(sessions["bounced"].mean(), 3)""",
    r"""funnel = pd.Series({
    "visits": len(sessions),
    "cart": int(sessions.added_to_cart.sum()),
    "purchase": int(sessions.purchased.sum()),
})
funnel""",
    r"""(funnel / funnel["visits"]).round(3)""",
    r"""by_channel = sessions.groupby("channel").agg(
    visits=("pages", "size"), pages=("pages", "mean"), conversion=("purchased", "mean"),
).round(3)
by_channel""",
    r"""best_channel = by_channel["conversion"].idxmax()
best_channel""",
    r"""fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(by_channel.index, by_channel["conversion"])
ax.set_title("conversion by channel")""",
    r"""sessions["pages"].value_counts().sort_index().head(8)""",
    r"""print(f"{funnel['visits']} visits, {funnel['purchase']} purchases; best channel {best_channel}")""",
    r"""by_channel.sort_values("visits")""",
]

_TIPS = [
    _IMPORTS,
    r"""rng = np.random.default_rng(3)
n = 120
tips = pd.DataFrame({
    "day": rng.choice(["Thu", "Fri", "Sat", "Sun"], n),
    "time": rng.choice(["Lunch", "Dinner"], n, p=[0.3, 0.7]),
    "size": rng.integers(1, 7, n),
})
tips["total_bill"] = (tips["size"] * rng.uniform(8, 16, n)).round(2)
tips["tip"] = (tips["total_bill"] * rng.uniform(0.08, 0.25, n)).round(2)
tips.head()""",
    r"""def tip_pct(df):
    return (100 * df["tip"] / df["total_bill"]).round(1)""",
    r"""tips["tip_pct"] = tip_pct(tips)
tips.describe().round(2)""",
    r"""tips.groupby("day", sort=False)["tip_pct"].mean().round(2)""",
    r"""pivot = tips.pivot_table(index="day", columns="time", values="total_bill", aggfunc="mean").round(2)
pivot""",
    r"""per_head = tips.assign(per_head=tips.total_bill / tips["size"]).groupby("size")["per_head"].mean().round(2)
per_head""",
    r"""fig, ax = plt.subplots(figsize=(4, 3))
ax.scatter(tips["total_bill"], tips["tip"], s=10)
ax.set_title("tip against bill")""",
    r"""generous = tips[tips.tip_pct > 20]
len(generous), generous["time"].value_counts().to_dict()""",
    r"""print(f"mean tip {tips.tip_pct.mean():.1f}% of the bill; {len(generous)} generous tables")""",
]

_MERGE = [
    r"""import warnings
warnings.filterwarnings("ignore")
import pandas as pd""",
    r"""products = pd.DataFrame({
    "sku": ["A1", "A2", "B1", "B2", "C1", "C2"],
    "name": ["bolt", "nut", "hammer", "wrench", "glue", "tape"],
    "category": ["hardware", "hardware", "tools", "tools", "supplies", "supplies"],
    "unit_cost": [0.10, 0.05, 12.50, 9.75, 3.20, 2.10],
})""",
    r"""stock = pd.DataFrame({
    "sku": ["A1", "A2", "B1", "C1", "A1", "B1", "X9", "C1"],
    "warehouse": ["north", "north", "north", "north", "south", "south", "south", "south"],
    "qty": [5000, 8000, 40, 120, 2500, 15, 30, 60],
})""",
    r"""products.rename(columns={"unit_cost": "cost"}, inplace=True)
products.columns.tolist()""",
    r"""merged = stock.merge(products, on="sku", how="left")
merged""",
    r"""merged.fillna({"name": "unknown", "category": "unknown", "cost": 0.0}, inplace=True)
merged["value"] = merged["qty"] * merged["cost"]
merged""",
    r"""merged.groupby("warehouse")["value"].sum().round(2)""",
    r"""merged.groupby("category")["qty"].sum().sort_values(ascending=False)""",
    r"""missing = products[~products.sku.isin(stock.sku)]
missing[["sku", "name"]]""",
    r"""unknown = merged.loc[merged.name == "unknown", "sku"].tolist()
unknown""",
    r"""print(f"stock worth {merged.value.sum():,.2f}; never stocked: {', '.join(missing.name)}; unknown skus: {unknown}")""",
]

_SENSORS = [
    _IMPORTS,
    r"""rng = np.random.default_rng(17)
index = pd.date_range("2024-06-01", periods=3 * 144, freq="10min")
base = 20 + 8 * np.sin(2 * np.pi * (index.hour * 60 + index.minute) / 1440)
readings = pd.DataFrame({"s1": base + rng.normal(0, 0.8, len(index)), "s2": base + 1 + rng.normal(0, 0.8, len(index))}, index=index)
readings.iloc[rng.choice(len(index), 8, replace=False), 0] = 80.0
readings.iloc[rng.choice(len(index), 6, replace=False), 1] = -30.0
readings.iloc[100:103, 0] = np.nan
readings.iloc[250:252, 1] = np.nan
readings.describe().round(2)""",
    r"""readings.isna().sum().to_dict()""",
    r"""readings = readings.interpolate(limit=3)
readings.isna().sum().to_dict()""",
    r"""LOW, HIGH = -10, 45
readings = readings.clip(LOW, HIGH)
readings.max().round(2).to_dict()""",
    r"""hourly = readings.resample("h").mean().round(2)
hourly.head()""",
    r"""daily = readings.resample("D").agg(["min", "max", "mean"]).round(2)
daily""",
    r"""delta = (readings["s1"] - readings["s2"]).abs()
delta.describe().round(3)""",
    r"""fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(hourly.index, hourly["s1"], label="s1")
ax.plot(hourly.index, hourly["s2"], label="s2")
ax.legend()
ax.set_title("hourly means")""",
    r"""alerts = hourly[(hourly > 27).any(axis=1)]
len(alerts)""",
    r"""print(f"{len(readings)} readings, {len(alerts)} hours above 27 °C, mean gap between sensors {delta.mean():.2f}")""",
]

_EXAMS = [
    _IMPORTS,
    r"""exams = pd.DataFrame({
    "student": ["ada", "ben", "cho", "dee", "eva", "fin", "gil", "hua", "ian", "jo"],
    "math": [78, 45, 92, 61, np.nan, 55, 83, 70, 38, 66],
    "physics": [72, 51, 88, 58, 64, np.nan, 79, 74, 42, 60],
    "chemistry": [80, 48, 95, 49, 70, 52, 77, np.nan, 47, 71],
    "english": [65, 72, 70, 81, 88, 59, 62, 75, 55, 90],
})
exams""",
    r"""long = exams.melt(id_vars="student", var_name="subject", value_name="score")
long.head()""",
    r"""long["score"] = long["score"].fillna(long.groupby("subject")["score"].transform("median"))
int(long["score"].isna().sum())""",
    r"""subject_stats = long.groupby("subject")["score"].agg(["mean", "std", "max"]).round(1)
subject_stats""",
    r"""long["rank"] = long.groupby("subject")["score"].rank(ascending=False, method="min").astype(int)
long[long["rank"] == 1]""",
    r"""PASS_MARK = 50""",
    r"""long["passed"] = long["score"] >= PASS_MARK
pass_rate = long.groupby("subject")["passed"].mean().round(2)
pass_rate""",
    r"""failing = long[~long.passed].groupby("student").size().sort_values(ascending=False)
failing""",
    r"""wide = long.pivot(index="student", columns="subject", values="score")
wide["average"] = wide.mean(axis=1).round(1)
wide.sort_values("average", ascending=False).head(3)""",
    r"""subjects = sorted(long.subject.unique())
fig, ax = plt.subplots()
ax.boxplot([long.loc[long.subject == s, "score"].to_numpy() for s in subjects], tick_labels=subjects)
ax.set_title("scores by subject")""",
    r"""print(f"pass mark {PASS_MARK}: {int(long.passed.sum())}/{len(long)} papers passed")
print(f"hardest subject: {pass_rate.idxmin()}; top student: {wide['average'].idxmax()}")""",
]

_AB = [
    _IMPORTS,
    r"""rng = np.random.default_rng(5)
n_a, n_b = 1200, 1180
ab = pd.DataFrame({
    "group": ["A"] * n_a + ["B"] * n_b,
    "converted": np.concatenate([rng.random(n_a) < 0.11, rng.random(n_b) < 0.13]),
})
ab.groupby("group")["converted"].agg(["sum", "count", "mean"])""",
    r"""rates = ab.groupby("group")["converted"].mean()
lift = rates["B"] / rates["A"] - 1
round(lift, 4)""",
    r"""p_pool = ab["converted"].mean()
se = np.sqrt(p_pool * (1 - p_pool) * (1 / n_a + 1 / n_b))
z = (rates["B"] - rates["A"]) / se
round(z, 3)""",
    r"""from math import erf, sqrt
p_value = 2 * (1 - 0.5 * (1 + erf(abs(z) / sqrt(2))))
round(p_value, 4)""",
    r"""N_BOOT = 500
boot_rng = np.random.default_rng(1)
a = ab.loc[ab.group == "A", "converted"].to_numpy()
b = ab.loc[ab.group == "B", "converted"].to_numpy()
diffs = np.array([boot_rng.choice(b, len(b)).mean() - boot_rng.choice(a, len(a)).mean() for _ in range(N_BOOT)])
ci = np.percentile(diffs, [2.5, 97.5]).round(4)
ci""",
    r"""round((diffs > 0).mean(), 3)""",
    r"""fig, ax = plt.subplots(figsize=(5, 3))
ax.hist(diffs, bins=30)
ax.axvline(0, color="k")
ax.set_title("bootstrap: B minus A")""",
    r"""ab["day"] = np.arange(len(ab)) % 7
by_day = ab.groupby(["day", "group"])["converted"].mean().unstack().round(3)
by_day""",
    r"""int((by_day["B"] > by_day["A"]).sum())""",
    r"""print(f"lift {lift:.1%}, z = {z:.2f}, p = {p_value:.3f}, 95% CI of the difference {ci[0]:.3f} to {ci[1]:.3f}")""",
]

_MOVIES = [
    _IMPORTS,
    r"""movies = pd.DataFrame({
    "title": ["Alien", "Heat", "Up", "Jaws", "Big", "Rocky", "Fargo", "Cars", "Tron", "Ghost"],
    "year": [1979, 1995, 2009, 1975, 1988, 1976, 1996, 2006, 1982, 1990],
    "genres": ["Horror|Sci-Fi", "Crime|Drama", "Animation|Comedy", "Horror|Thriller", "Comedy|Drama",
               "Drama|Sport", "Crime|Comedy", "Animation|Comedy", "Sci-Fi|Action", "Drama|Romance"],
})""",
    r"""rng = np.random.default_rng(8)
rows = []
for user in range(1, 16):
    for title in rng.choice(movies.title, size=rng.integers(3, 8), replace=False):
        rows.append((f"u{user:02d}", title, int(rng.integers(1, 6))))
ratings = pd.DataFrame(rows, columns=["user", "title", "rating"])
len(ratings)""",
    r"""movies["genres"] = movies["genres"].str.split("|")
exploded = movies.explode("genres")
exploded["genres"].value_counts()""",
    r"""stats = ratings.groupby("title")["rating"].agg(["mean", "count"]).round(2)
stats""",
    r"""MIN_COUNT = 6""",
    r"""top = stats[stats["count"] >= MIN_COUNT].sort_values("mean", ascending=False).head(5)
top""",
    r"""genre_means = exploded.merge(ratings, on="title").groupby("genres")["rating"].mean().sort_values(ascending=False).round(2)
genre_means""",
    r"""movies["decade"] = (movies["year"] // 10) * 10
ratings.merge(movies[["title", "decade"]], on="title").groupby("decade")["rating"].mean().round(2)""",
    r"""user_counts = ratings["user"].value_counts()
user_counts.head(3)""",
    r"""harsh = ratings.groupby("user")["rating"].mean().idxmin()
harsh""",
    r"""print(f"{len(ratings)} ratings; best rated with at least {MIN_COUNT}: {top.index[0]}")
print(f"favourite genre: {genre_means.index[0]}; harshest critic: {harsh}")""",
]

_CHURN = [
    _IMPORTS,
    r"""rng = np.random.default_rng(12)
n = 400
customers = pd.DataFrame({
    "tenure": rng.integers(1, 72, n),
    "monthly": rng.uniform(20, 120, n).round(2),
    "calls": rng.poisson(1.5, n),
    "contract": rng.choice(["monthly", "yearly", "two-year"], n, p=[0.5, 0.3, 0.2]),
})
logit = -1 + 0.03 * customers.monthly - 0.05 * customers.tenure + 0.4 * customers.calls
customers["churned"] = rng.random(n) < 1 / (1 + np.exp(-logit))
customers.head()""",
    r"""customers.groupby("contract")["churned"].mean().round(3)""",
    r"""customers["charges_bucket"] = pd.qcut(customers["monthly"], 4, labels=["low", "mid", "high", "top"])
customers.groupby("charges_bucket", observed=True)["churned"].mean().round(3)""",
    r"""def standardize(col):
    return (col - col.mean()) / col.std()""",
    r"""X = np.column_stack([
    np.ones(len(customers)), standardize(customers.tenure), standardize(customers.monthly), standardize(customers.calls),
])
y = customers["churned"].to_numpy(dtype=float)
X.shape""",
    r"""def train_logistic(X, y, lr=0.1, steps=500):
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-X @ w))
        w -= lr * X.T @ (p - y) / len(y)
    return w

w = train_logistic(X, y)
w.round(3)""",
    r"""THRESHOLD = 0.5
prob = 1 / (1 + np.exp(-X @ w))
pred = prob >= THRESHOLD
accuracy = (pred == y).mean()
precision = (pred & (y == 1)).sum() / max(pred.sum(), 1)
recall = (pred & (y == 1)).sum() / (y == 1).sum()
round(accuracy, 3), round(precision, 3), round(recall, 3)""",
    r"""customers.groupby("calls")["churned"].agg(["mean", "size"]).round(2)""",
    r"""bins = np.linspace(0, 1, 6)
which = np.digitize(prob, bins[1:-1])
calibration = pd.DataFrame({"predicted": prob, "actual": y}).groupby(which).mean().round(3)
calibration""",
    r"""print(f"churn rate {y.mean():.1%}; at threshold {THRESHOLD}: accuracy {accuracy:.1%}, recall {recall:.1%}")""",
]

_RETAIL = [
    _IMPORTS,
    r"""pd.set_option("display.width", 120)""",
    r"""rng = np.random.default_rng(101)
n_orders = 600
orders = pd.DataFrame({
    "order_id": np.arange(1, n_orders + 1),
    "customer_id": rng.integers(1, 81, n_orders),
    "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, n_orders), unit="D"),
    "category": rng.choice(["books", "games", "garden", "kitchen", "toys"], n_orders, p=[0.3, 0.2, 0.15, 0.2, 0.15]),
    "amount": rng.gamma(2.0, 25.0, n_orders).round(2),
    "returned": rng.random(n_orders) < 0.08,
})
orders.head()""",
    r"""customers = pd.DataFrame({
    "customer_id": np.arange(1, 81),
    "segment": rng.choice(["new", "regular", "vip"], 80, p=[0.4, 0.45, 0.15]),
    "city": rng.choice(["Leeds", "York", "Hull", "Bradford"], 80),
})
customers["segment"].value_counts()""",
    r"""orders.loc[rng.choice(n_orders, 15, replace=False), "amount"] = np.nan
orders.loc[rng.choice(n_orders, 5, replace=False), "amount"] = 2500.0
orders.describe().round(2)""",
    r"""CLEANING = {"max_amount": 1000, "drop_returned": True}""",
    r"""orders = orders.dropna(subset=["amount"])
orders = orders[orders["amount"] <= CLEANING["max_amount"]]
len(orders)""",
    r"""if CLEANING["drop_returned"]:
    orders = orders[~orders["returned"]]
len(orders)""",
    r"""df = orders.merge(customers, on="customer_id", how="left")
df["month"] = df["date"].dt.to_period("M").astype(str)
df.shape""",
    r"""df.groupby("segment")["amount"].agg(["count", "mean", "sum"]).round(2)""",
    r"""def share(series):
    return (series / series.sum()).round(3)""",
    r"""category_share = share(df.groupby("category")["amount"].sum()).sort_values(ascending=False)
category_share""",
    r"""monthly = df.groupby("month")["amount"].sum().round(2)
monthly""",
    r"""fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(monthly.index, monthly.values)
ax.set_title("revenue per month")""",
    r"""city_segment = pd.crosstab(df["city"], df["segment"], values=df["amount"], aggfunc="sum").round(0)
city_segment""",
    r"""first_month = df.groupby("customer_id")["month"].min().rename("cohort")
df = df.merge(first_month, on="customer_id")
cohorts = df.groupby(["cohort", "month"])["customer_id"].nunique().unstack(fill_value=0)
cohorts.iloc[:3, :4]""",
    r"""per_customer = df.groupby("customer_id")["amount"].sum()
top_customers = per_customer.nlargest(5).round(2)
top_customers""",
    r"""vip_share = share(df.groupby("segment")["amount"].sum())["vip"]
vip_share""",
    r"""basket = df.groupby("order_id")["amount"].sum()
round(basket.median(), 2), round(basket.quantile(0.9), 2)""",
    r"""returns_by_category = orders.groupby("category")["returned"].mean().round(3)
returns_by_category""",
    r"""print(f"{len(df)} orders from {df.customer_id.nunique()} customers, revenue {df.amount.sum():,.2f}")
print(f"top category {category_share.index[0]} ({category_share.iloc[0]:.1%}); VIPs bring {vip_share:.1%}")
print(f"best month {monthly.idxmax()}, median basket {basket.median():.2f}")""",
]

SCENARIOS = [
    rewrite(
        "sales-keep-zero-units",
        "realistic pandas pandas-inplace redefinition matplotlib where:cleaning edit:constant",
        _SALES,
        4,
        'sales["units"] > 0',
        'sales["units"] >= 0',
    ),
    rewrite(
        "weather-plot-title",
        "realistic pandas matplotlib where:plot edit:constant",
        _WEATHER,
        6,
        'ax.set_title("Temperature 2023")',
        'ax.set_title("Daily temperature, 2023")',
    ),
    rewrite(
        "staff-raise-config",
        "realistic pandas pandas-inplace dict dict-mutation where:config edit:constant",
        _STAFF,
        4,
        '"raise_pct"] = 0.04',
        '"raise_pct"] = 0.05',
    ),
    rewrite(
        "survey-country-map",
        "realistic pandas pandas-inplace dict matplotlib where:cleaning edit:constant",
        _SURVEY,
        4,
        '"UNITED STATES": "USA"}',
        '"UNITED STATES": "USA", "CAN": "CANADA"}',
    ),
    rewrite(
        "stocks-moving-average-window",
        "realistic pandas matplotlib where:later-constant edit:constant",
        _STOCKS,
        6,
        "SHORT, LONG = 10, 50",
        "SHORT, LONG = 20, 60",
    ),
    rewrite(
        "houses-model-features",
        "realistic pandas redefinition function where:section edit:constant",
        _HOUSES,
        8,
        'FEATURES = ["sqft", "bedrooms"]',
        'FEATURES = ["sqft", "bedrooms", "age"]',
    ),
    rewrite(
        "traffic-look-sorted",
        "realistic pandas pandas-inplace where:look edit:look",
        _TRAFFIC,
        11,
        'by_channel.sort_values("visits")',
        'by_channel.sort_values("conversion", ascending=False)',
    ),
    rewrite(
        "tips-helper-pre-tax",
        "realistic pandas pandas-inplace function where:helper edit:mutation",
        _TIPS,
        3,
        '(100 * df["tip"] / df["total_bill"])',
        '(100 * df["tip"] / (df["total_bill"] / 1.08))',
    ),
    rewrite(
        "merge-inner-join",
        "realistic pandas pandas-inplace where:cleaning edit:constant",
        _MERGE,
        5,
        'how="left"',
        'how="inner"',
    ),
    rewrite(
        "sensors-clip-bounds",
        "realistic pandas redefinition matplotlib where:cleaning edit:constant",
        _SENSORS,
        5,
        "LOW, HIGH = -10, 45",
        "LOW, HIGH = 0, 35",
    ),
    rewrite(
        "exams-pass-mark",
        "realistic pandas pandas-inplace matplotlib where:later-constant edit:constant",
        _EXAMS,
        7,
        "PASS_MARK = 50",
        "PASS_MARK = 60",
    ),
    rewrite(
        "ab-test-bootstrap-size",
        "realistic pandas pandas-inplace numpy where:section edit:constant",
        _AB,
        6,
        "N_BOOT = 500",
        "N_BOOT = 800",
    ),
    rewrite(
        "movies-min-count",
        "realistic pandas pandas-inplace where:later-constant edit:constant",
        _MOVIES,
        6,
        "MIN_COUNT = 6",
        "MIN_COUNT = 8",
    ),
    rewrite(
        "churn-threshold",
        "realistic pandas numpy function where:section edit:constant",
        _CHURN,
        8,
        "THRESHOLD = 0.5",
        "THRESHOLD = 0.35",
    ),
    rewrite(
        "retail-keep-returns",
        "realistic pandas rng-shared redefinition dict function matplotlib where:cleaning edit:constant",
        _RETAIL,
        6,
        '"drop_returned": True}',
        '"drop_returned": False}',
    ),
]
