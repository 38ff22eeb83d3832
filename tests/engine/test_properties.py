"""Properties that hold for any order lines."""

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from revisit.engine import grade

AS_OF = date(2024, 6, 30)
line = st.tuples(
    st.integers(1, 30),
    st.integers(-400, 30).map(lambda d: AS_OF + timedelta(days=d)),
    st.decimals(min_value=Decimal("-500"), max_value=Decimal("50000"), places=2),
)


def frame(rows):
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_date": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
        },
        schema={"customer_id": pl.Int64, "order_date": pl.Date, "amount": pl.Decimal(20, 2)},
    )


CUSTOMERS = pl.DataFrame({"customer_id": list(range(1, 41))}, schema={"customer_id": pl.Int64})


@settings(max_examples=60, deadline=None)
@given(st.lists(line, max_size=120), st.sampled_from(["mean", "median", "quantile:0.3"]))
def test_every_customer_gets_exactly_one_segment_and_counts_add_up(rows, mode):
    result = grade(frame(rows), CUSTOMERS, as_of=AS_OF, thresholds=mode).frame
    assert result.height == CUSTOMERS.height
    assert result["customer_id"].n_unique() == CUSTOMERS.height
    valid = {"A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "none"}
    assert set(result["segment"].to_list()) <= valid
    counts = result.group_by("segment").len()["len"].sum()
    assert counts == CUSTOMERS.height
    graded = {r[0] for r in rows if r[1] <= AS_OF and r[2] > 0}
    assert set(result.filter(pl.col("segment") != "none")["customer_id"].to_list()) == graded


@settings(max_examples=40, deadline=None)
@given(st.lists(line, min_size=1, max_size=80), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    # Sorted by customer then date takes the clustered path; shuffled, the hash path.
    clustered = frame(rows).sort("customer_id", "order_date")
    a = grade(clustered, CUSTOMERS, as_of=AS_OF).frame.sort("customer_id")
    b = grade(frame(shuffled), CUSTOMERS, as_of=AS_OF).frame.sort("customer_id")
    assert a.equals(b)


@settings(max_examples=40, deadline=None)
@given(st.lists(line, max_size=80), st.booleans())
def test_cents_and_decimal_amounts_grade_alike(rows, clustered):
    decimal = frame(rows)
    if clustered:
        decimal = decimal.sort("customer_id", "order_date")
    cents = decimal.select(
        "customer_id", "order_date", (pl.col("amount") * 100).cast(pl.Int64).alias("amount_cents")
    )
    a = grade(decimal, CUSTOMERS, as_of=AS_OF, window_months=6)
    b = grade(cents, CUSTOMERS, as_of=AS_OF, window_months=6)
    assert a.frame.sort("customer_id").equals(b.frame.sort("customer_id"))
    assert a.thresholds == b.thresholds
    expected = {}
    for customer, day, amount in rows:
        if day <= AS_OF:
            expected[customer] = expected.get(customer, 0) + int(amount * 100)
    spend = dict(b.frame.select("customer_id", "spend_cents").drop_nulls().iter_rows())
    assert spend == {c: v for c, v in expected.items() if c in spend}
