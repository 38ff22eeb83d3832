from datetime import date
from decimal import Decimal

import polars as pl


def lines_frame(rows: list[tuple[int, date, str]]) -> pl.DataFrame:
    """Order lines from (customer_id, order_date, amount) tuples."""
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_date": [r[1] for r in rows],
            "amount": [Decimal(r[2]) for r in rows],
        },
        schema={"customer_id": pl.Int64, "order_date": pl.Date, "amount": pl.Decimal(20, 2)},
    )
