"""The kinds of artifact a design stores, by their names in the store.

Every module that reads or writes artifacts names the kind through these constants; the
strings are the store's data and must not change.
"""

SCHEMA = "schema"
ARCHITECTURE = "architecture"
API = "api"
CONTRACT = "contract"  # GraphQL and protobuf contracts (OpenAPI ones are API)
DECISION = "decision"
EXPERIMENT = "experiment"
LOAD = "load"
REHEARSAL = "rehearsal"
QUERY = "query"
REQUIREMENT = "requirement"
VERIFICATION = "verification"
PROJECTION = "projection"  # a migration rehearsed at a few sizes, projected to the stated volume
CAPACITY = "capacity"

# in the order a design document and the design-state summary list them
LISTED = (REQUIREMENT, SCHEMA, ARCHITECTURE, API, CONTRACT, DECISION, EXPERIMENT, LOAD, REHEARSAL, PROJECTION,
          VERIFICATION, CAPACITY)
