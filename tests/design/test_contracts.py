"""GraphQL and protobuf contracts, checked by their own tools (graphql-core, protoc), versioned, and compared
version to version: every planted breaking change is caught, compatible ones are not called breaking."""

from __future__ import annotations

import pytest

from workbench.agent.registry import ToolContext
from workbench.agent.tools import builtin_registry
from workbench.design.aggregate import Design
from workbench.design.contracts import ContractError, guess_format

GRAPHQL_V1 = """
type Query {
  order(id: ID!): Order
  orders(customerId: ID!, first: Int = 20): [Order!]!
}
type Mutation { placeOrder(input: PlaceOrder!): Order! }
type Order { id: ID! status: Status! total: Float! note: String }
enum Status { NEW PAID SHIPPED CANCELLED }
input PlaceOrder { customerId: ID! items: [ID!]! }
"""
# planted: a field removed, an argument made required, an enum value removed, a type narrowed; one field added
GRAPHQL_V2 = """
type Query {
  order(id: ID!): Order
  orders(customerId: ID!, first: Int!): [Order!]!
}
type Mutation { placeOrder(input: PlaceOrder!): Order! }
type Order { id: ID! status: Status! total: Int! placedAt: String }
enum Status { NEW PAID SHIPPED }
input PlaceOrder { customerId: ID! items: [ID!]! }
"""

PROTO_V1 = """syntax = "proto3";
package shop.v1;

enum Status { STATUS_UNSPECIFIED = 0; NEW = 1; PAID = 2; CANCELLED = 3; }
message Order { string id = 1; Status status = 2; int64 total_cents = 3; string note = 4; string coupon = 5; }
message GetOrderRequest { string id = 1; }
message ListOrdersRequest { string customer_id = 1; int32 page_size = 2; }
message ListOrdersResponse { repeated Order orders = 1; string next_page = 2; }
service Orders {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc ListOrders(ListOrdersRequest) returns (ListOrdersResponse);
  rpc WatchOrders(ListOrdersRequest) returns (stream Order);
}
"""
# planted: note removed without reserving 4, number 5 reused for another type, total_cents retyped, an enum
# value removed, an rpc removed, page_size made repeated; compatible: a field added, a number reserved
PROTO_V2 = """syntax = "proto3";
package shop.v1;

enum Status { STATUS_UNSPECIFIED = 0; NEW = 1; PAID = 2; }
message Order { string id = 1; Status status = 2; double total_cents = 3; int32 loyalty_points = 5;
                string currency = 6; }
message GetOrderRequest { string id = 1; }
message ListOrdersRequest { string customer_id = 1; repeated int32 page_size = 2; }
message ListOrdersResponse { repeated Order orders = 1; reserved 2; }
service Orders {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc ListOrders(ListOrdersRequest) returns (ListOrdersResponse);
}
"""


def test_graphql_versions_are_validated_and_breaking_changes_found(isolated):
    design = Design("api")
    first = design.define_api(GRAPHQL_V1, "shop")
    assert first.version == 1 and first.contract.format == "graphql"
    assert ["query", "orders", "customerId: ID!, first: Int", "[Order!]!"] in first.contract.operations()
    second = design.define_api(GRAPHQL_V2, "shop")
    breaking = [c.what for c in second.changes if c.breaking]
    assert any("Order.note was removed" in w for w in breaking)
    assert any("Status.CANCELLED was removed" in w for w in breaking)
    assert any("Order.total changed type" in w for w in breaking)
    assert any("first" in w and "changed type" in w for w in breaking)  # Int → Int!: now required
    assert not any("placedAt" in c.what for c in second.changes if c.breaking)  # an added field breaks nothing
    # the four planted ones, and graphql-core's own note that the Float scalar is no longer used
    assert len(breaking) == 5 and "Against v1: 5 breaking, 0 compatible changes" in second.for_model()
    with pytest.raises(ContractError, match="line 2, column 13: Syntax Error"):
        design.define_api("type Query {\n  order(id: ): Order\n}", "broken", format="graphql")
    with pytest.raises(ContractError, match="Unknown type 'Missing'"):
        design.define_api("type Query { a: Missing }", "broken", format="graphql")


def test_protobuf_is_compiled_by_protoc_and_wire_breaking_changes_found(isolated):
    design = Design("api")
    first = design.define_api(PROTO_V1, "orders")
    assert first.contract.format == "protobuf" and first.contract.summary() == \
        "protobuf shop.v1: 1 service, 3 methods, 4 messages"
    assert first.contract.operations()[2] == ["Orders", "WatchOrders", "shop.v1.ListOrdersRequest",
                                              "stream shop.v1.Order"]
    second = design.define_api(PROTO_V2, "orders")
    found = {c.what: c.breaking for c in second.changes}
    planted = ["Order.note (= 4) removed without reserving its number", "Order: field number 5 reused, coupon → "
               "loyalty_points with another type", "Order.total_cents (= 3) changed type",
               "enum value Status.CANCELLED (= 3) removed", "rpc Orders.WatchOrders removed",
               "ListOrdersRequest.page_size (= 2) changed cardinality"]
    assert all(found.get(p) is True for p in planted), found
    assert found["Order.currency (= 6) added"] is False
    assert found["ListOrdersResponse.next_page (= 2) removed and its number reserved"] is False
    assert sum(found.values()) == len(planted)  # nothing else is called breaking
    with pytest.raises(ContractError, match=r"line 3:\d+"):
        design.define_api('syntax = "proto3";\n\nmessage A { string id = 1 }\n', "bad", format="protobuf")


def test_define_api_tool_recognises_the_format_and_the_document_lists_contracts(isolated, tmp_path):
    design = Design("tooling")
    registry = builtin_registry()
    ctx = ToolContext(design=design)
    assert guess_format(PROTO_V1) == "protobuf" and guess_format(GRAPHQL_V1) == "graphql"
    assert guess_format("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n") == "openapi"
    out = registry.dispatch(ctx, "define_api", {"openapi": PROTO_V1, "name": "orders"})
    assert not out.is_error and "Stored as version 1 of protobuf contract 'orders'" in out.text
    out = registry.dispatch(ctx, "define_api", {"openapi": PROTO_V2, "name": "orders"})
    assert "Against v1: 6 breaking" in out.text
    wrong = registry.dispatch(ctx, "define_api", {"openapi": GRAPHQL_V1, "name": "orders"})
    assert wrong.is_error and "is protobuf; this is graphql" in wrong.text
    registry.dispatch(ctx, "define_api", {"openapi": GRAPHQL_V1, "name": "shop", "format": "graphql"})
    page = design.export(tmp_path / "doc.html").read_text()
    assert "Contracts" in page and "protobuf contract orders v2" in page and "rpc Orders.WatchOrders removed" in page
    assert "graphql contract shop v1" in page


OPENAPI_V1 = """openapi: 3.1.0
info: {title: Shop, version: '1'}
paths:
  /orders:
    get:
      summary: list orders
      parameters:
        - {name: status, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Order'}}}}
    post:
      summary: place an order
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/NewOrder'}}}
      responses: {'201': {description: created}}
  /orders/{id}:
    delete:
      summary: cancel
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
components:
  schemas:
    Order:
      type: object
      properties: {id: {type: string}, total: {type: number}, note: {type: string}}
    NewOrder:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {type: string}}
        channel: {type: string, enum: [web, app, phone]}
"""
# planted: DELETE removed, a required query parameter added, a response property removed, a response property
# retyped, a request enum value removed, a request property made required; compatible: a property added
OPENAPI_V2 = """openapi: 3.1.0
info: {title: Shop, version: '2'}
paths:
  /orders:
    get:
      summary: list orders
      parameters:
        - {name: status, in: query, schema: {type: string}}
        - {name: tenant, in: query, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Order'}}}}
    post:
      summary: place an order
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/NewOrder'}}}
      responses: {'201': {description: created}}
components:
  schemas:
    Order:
      type: object
      properties: {id: {type: string}, total: {type: string}, currency: {type: string}}
    NewOrder:
      type: object
      required: [items, channel]
      properties:
        items: {type: array, items: {type: string}}
        channel: {type: string, enum: [web, app]}
"""


def test_openapi_versions_are_compared_for_breaking_changes(isolated):
    design = Design("rest")
    design.define_api(OPENAPI_V1, "shop")
    _version, contract = design.define_api(OPENAPI_V2, "shop")
    found = {c.what: c.breaking for c in contract.changes}
    planted = ["DELETE /orders/{id} removed", "GET /orders: required query parameter tenant added",
               "GET /orders response 200[]: property note removed", "GET /orders response 200[]: property total "
               "changed type", "POST /orders request: channel no longer takes phone",
               "POST /orders request: property channel became required"]
    assert all(found.get(p) is True for p in planted), found
    assert found["GET /orders response 200[]: property currency added"] is False
    assert sum(found.values()) == len(planted)
    assert "Against the version before: 6 breaking" in contract.for_model()
    assert design.latest("api", "shop")["summary"].endswith("; 6 breaking changes")


SHOP_V1 = """CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
  total numeric(12,2) NOT NULL, note text, placed_at timestamptz NOT NULL);"""
SHOP_V2 = """CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
  total numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL);"""
ORDER_API = """openapi: 3.1.0
info: {title: Shop, version: '1'}
paths:
  /orders/{id}:
    get:
      summary: one order
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
components:
  schemas:
    Order:
      type: object
      required: [id, status, total, note]
      properties:
        id: {type: string}
        customerId: {type: integer}
        status: {type: integer}
        total: {type: number}
        note: {type: string}
        placedAt: {type: string, format: date-time}
"""
ORDER_GRAPHQL = "type Query { order(id: ID!): Order }\ntype Order { id: ID! total: Int! placedAt: String }\n"


def test_contracts_are_checked_against_the_schema_and_a_dropped_column_is_caught(isolated, tmp_path):
    design = Design("agree")
    design.add_schema_ddl(SHOP_V1, "postgres")
    design.define_api(ORDER_API, "shop")
    design.define_api(ORDER_GRAPHQL, "graph")
    found = {(f.rule, f.where, f.severity) for f in design.consistency()}
    assert ("XC001", "API shop: Order.status", "error") in found  # integer field, text column
    assert ("XC002", "API shop: Order.note", "warning") in found  # required field, nullable column
    assert ("XC001", "graphql graph: Order.total", "error") in found  # Int cannot hold numeric(12,2)
    assert ("XC001", "API shop: Order.id", "info") in found  # a bigint id as a string: said, not an error
    api_row = next(r for r in design.scorecard().rows() if r[1] == "API documentation")
    assert "partial" in api_row[2] and "Make the contract agree with the schema: 3 field(s) differ" in api_row[4]
    assert not any(f[1].endswith(("customerId", "placedAt", "Order.total")) and f[0] == "XC001" and f[2] == "error"
                   and f[1].startswith("API") for f in found)
    design.add_schema_ddl(SHOP_V2, "postgres")
    dropped = [f for f in design.consistency() if f.rule == "XC003"]
    assert [(f.where, f.column) for f in dropped] == [("API shop: Order.note", "orders.note")]
    out = builtin_registry().dispatch(ToolContext(design=design), "lint", {"target": "consistency"})
    assert "XC003 field-dropped API shop: Order.note ↔ orders.note" in out.text
    page = design.export(tmp_path / "doc.html").read_text()
    assert "Contracts and schema" in page and "XC003" in page


ASYNC_V1 = """asyncapi: 3.0.0
info: {title: Shop events, version: 1.0.0}
channels:
  orderPlaced:
    address: orders.placed
    messages:
      placed:
        payload:
          type: object
          required: [orderId]
          properties: {orderId: {type: string}, total: {type: number}, coupon: {type: string}}
  orderShipped:
    address: orders.shipped
    messages:
      shipped: {payload: {type: object, properties: {orderId: {type: string}}}}
operations:
  publishPlaced: {action: send, channel: {$ref: '#/channels/orderPlaced'}}
  publishShipped: {action: send, channel: {$ref: '#/channels/orderShipped'}}
"""
# planted: a channel removed (with its operation), a payload property removed, one retyped, one made required
ASYNC_V2 = """asyncapi: 3.0.0
info: {title: Shop events, version: 2.0.0}
channels:
  orderPlaced:
    address: orders.placed
    messages:
      placed:
        payload:
          type: object
          required: [orderId, currency]
          properties: {orderId: {type: string}, total: {type: string}, currency: {type: string}}
operations:
  publishPlaced: {action: send, channel: {$ref: '#/channels/orderPlaced'}}
"""


def test_asyncapi_is_checked_against_the_official_schema_and_compared(isolated):
    from workbench.design.contracts import specs_folder

    assert specs_folder() is not None, "scripts/setup.sh (make demo's set-up) installs @asyncapi/specs"
    design = Design("events")
    first = design.define_api(ASYNC_V1, "events")
    assert first.contract.format == "asyncapi" and first.contract.summary() == \
        "AsyncAPI 3.0.0: 2 channels, 2 operations, 2 messages"
    assert ["publishPlaced", "send", "orders.placed", "placed"] in first.contract.operations()
    second = design.define_api(ASYNC_V2, "events")
    found = {c.what: c.breaking for c in second.changes}
    planted = ["channel orders.shipped removed", "orders.placed placed: property coupon removed",
               "orders.placed placed: property total changed type",
               "orders.placed placed: required property currency added", "operation publishShipped (send on "
               "orders.shipped) removed"]
    assert all(found.get(p) is True for p in planted), found
    with pytest.raises(ContractError, match=r"\$\.info \(line 2\): 'version' is a required property"):
        design.define_api("asyncapi: 3.0.0\ninfo: {title: x}\nchannels: {}\n", "bad")
    with pytest.raises(ContractError, match="not a version the official schemas know"):
        design.define_api("asyncapi: 9.9.9\ninfo: {title: x, version: '1'}\n", "bad")


def test_async_edges_and_asyncapi_channels_are_checked_against_each_other(isolated):
    design = Design("flows")
    design.define_api(ASYNC_V1, "events")
    design.add_architecture({"title": "Shop", "nodes": [
        {"id": "api", "kind": "service"}, {"id": "bus", "kind": "kafka"}, {"id": "mail", "kind": "worker"}],
        "edges": [{"source": "api", "target": "bus", "mode": "async", "label": "orders.placed"},
                  {"source": "bus", "target": "mail", "mode": "async", "label": "orders.refunded"}]})
    found = {(f.rule, f.where, f.column) for f in design.consistency()}
    assert ("XC004", "architecture main: bus → mail", "orders.refunded") in found
    assert ("XC005", "asyncapi events: orders.shipped", "(no edge)") in found
    assert not any(f[0] == "XC005" and "orders.placed" in f[1] for f in found)
