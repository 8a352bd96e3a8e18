"""The peer: Faker row by row into DataFrames, loaded with pandas.to_sql (run in the peer venv).

    python faker_peer.py OUT.db ROWS     → prints seconds for ROWS rows over the same 5 tables

Written the way Faker seeders usually are: every field from a Faker provider, one row at a time
(foreign keys with fake.random_int over the parent's ids), then DataFrame.to_sql with its
defaults. The rows are split across the tables in the benchmark's proportions.
"""

import sqlite3
import sys
import time

import pandas as pd
from faker import Faker

SHARE = {"customers": 0.1, "products": 0.05, "orders": 0.3, "order_items": 0.5, "payments": 0.05}
STATUSES = ("new", "paid", "shipped", "cancelled")


def main() -> None:
    path, total = sys.argv[1], int(sys.argv[2])
    fake = Faker()
    Faker.seed(42)
    n = {t: max(1, int(total * s)) for t, s in SHARE.items()}
    conn = sqlite3.connect(path)
    start = time.perf_counter()
    def when():
        return fake.date_time_between(start_date="-2y", end_date="now")

    customers = pd.DataFrame([{"id": i + 1, "email": f"{i}.{fake.email()}", "first_name": fake.first_name(),
                               "last_name": fake.last_name(), "phone": fake.phone_number()[:20], "city": fake.city(),
                               "country": fake.country_code(), "created_at": when()} for i in range(n["customers"])])
    products = pd.DataFrame([{"id": i + 1, "sku": f"{fake.bothify('??-####')}-{i}", "title": fake.catch_phrase(),
                              "description": fake.sentence(nb_words=8),
                              "price": fake.pydecimal(left_digits=3, right_digits=2, positive=True)}
                             for i in range(n["products"])])
    orders = pd.DataFrame([{"id": i + 1, "customer_id": fake.random_int(1, n["customers"]),
                            "status": fake.random_element(STATUSES),
                            "total": fake.pydecimal(left_digits=3, right_digits=2, positive=True),
                            "created_at": when(), "shipped_at": when()} for i in range(n["orders"])])
    items = pd.DataFrame([{"id": i + 1, "order_id": fake.random_int(1, n["orders"]),
                           "product_id": fake.random_int(1, n["products"]), "quantity": fake.random_int(1, 9),
                           "unit_price": fake.pydecimal(left_digits=3, right_digits=2, positive=True)}
                          for i in range(n["order_items"])])
    payments = pd.DataFrame([{"id": i + 1, "order_id": fake.random_int(1, n["orders"]),
                              "amount": fake.pydecimal(left_digits=3, right_digits=2, positive=True),
                              "method": fake.random_element(("card", "paypal", "transfer")), "paid_at": when()}
                             for i in range(n["payments"])])
    for name, frame in (("customers", customers), ("products", products), ("orders", orders),
                        ("order_items", items), ("payments", payments)):
        frame.astype({c: "float64" for c in frame.columns if c in ("price", "total", "amount", "unit_price")}).to_sql(
            name, conn, index=False, if_exists="replace")
    conn.commit()
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
