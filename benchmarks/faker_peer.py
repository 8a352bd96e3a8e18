"""The peer: Faker row by row into DataFrames, loaded with pandas.to_sql (run in the peer venv).

    python faker_peer.py OUT.db ROWS     → prints seconds for ROWS rows over the same 5 tables
The rows are split across the tables in the benchmark's proportions; FK values pick existing ids.
"""

import random
import sqlite3
import sys
import time

import pandas as pd
from faker import Faker

SHARE = {"customers": 0.1, "products": 0.05, "orders": 0.3, "order_items": 0.5, "payments": 0.05}


def main() -> None:
    path, total = sys.argv[1], int(sys.argv[2])
    fake = Faker()
    Faker.seed(42)
    random.seed(42)
    n = {t: max(1, int(total * s)) for t, s in SHARE.items()}
    conn = sqlite3.connect(path)
    start = time.perf_counter()
    customers = pd.DataFrame([{"id": i + 1, "email": f"{i}{fake.email()}", "name": fake.name(),
                               "country": fake.country_code(), "created_at": fake.date_time_this_decade()}
                              for i in range(n["customers"])])
    products = pd.DataFrame([{"id": i + 1, "sku": f"{fake.bothify('??-####')}-{i}", "title": fake.catch_phrase(),
                              "price": round(random.uniform(1, 500), 2)} for i in range(n["products"])])
    orders = pd.DataFrame([{"id": i + 1, "customer_id": random.randint(1, n["customers"]),
                            "status": random.choice(["new", "paid", "shipped", "cancelled"]),
                            "total": round(random.uniform(5, 900), 2), "created_at": fake.date_time_this_year()}
                           for i in range(n["orders"])])
    items = pd.DataFrame([{"id": i + 1, "order_id": random.randint(1, n["orders"]),
                           "product_id": random.randint(1, n["products"]), "quantity": random.randint(1, 9),
                           "price": round(random.uniform(1, 500), 2)} for i in range(n["order_items"])])
    payments = pd.DataFrame([{"id": i + 1, "order_id": random.randint(1, n["orders"]),
                              "amount": round(random.uniform(5, 900), 2), "paid_at": fake.date_time_this_year()}
                             for i in range(n["payments"])])
    for name, frame in (("customers", customers), ("products", products), ("orders", orders),
                        ("order_items", items), ("payments", payments)):
        frame.to_sql(name, conn, index=False, if_exists="replace")
    conn.commit()
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
