"""The node-kind catalogue: generic kinds a backend architect uses, each mapped to a `diagrams`
node class and a role the lint rules reason about.

A node may also name a `diagrams` class directly as `provider.category.Class` (for example
`aws.database.RDS`). Those references are checked against an allowlist built by introspecting
the installed package; the model's text is looked up, never executed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ArchitectureSpecError

# Roles
CLIENT, EXTERNAL = "client", "external"
CDN, DNS, FIREWALL, LOAD_BALANCER, GATEWAY = "cdn", "dns", "firewall", "load-balancer", "gateway"
SERVICE, WORKER, FUNCTION = "service", "worker", "function"
DATASTORE, CACHE, SEARCH, WAREHOUSE, STORAGE = "datastore", "cache", "search", "warehouse", "storage"
QUEUE, STREAM = "queue", "stream"
METRICS, LOGGING, TRACING = "metrics", "logging", "tracing"
SECURITY, IDENTITY, PLATFORM = "security", "identity", "platform"

COMPUTE = {SERVICE, WORKER, FUNCTION}
DATA = {DATASTORE, CACHE, SEARCH, WAREHOUSE, STORAGE}
MESSAGING = {QUEUE, STREAM}
FRONT_DOOR = {CDN, DNS, FIREWALL, LOAD_BALANCER, GATEWAY}
OBSERVABILITY = {METRICS, LOGGING, TRACING}


@dataclass(frozen=True)
class Kind:
    """A node kind: its `diagrams` class, its role, and whether it is a managed (highly available) service."""

    name: str
    cls: str          # provider.category.Class
    role: str
    managed: bool = False
    description: str = ""


_CATALOGUE = [
    # clients and the outside world
    Kind("client", "onprem.client.Client", CLIENT, description="a generic client application"),
    Kind("user", "onprem.client.User", CLIENT, description="a person"),
    Kind("users", "onprem.client.Users", CLIENT, description="people"),
    Kind("web", "programming.framework.React", CLIENT, description="a web front end (SPA) in the browser"),
    Kind("mobile", "generic.device.Mobile", CLIENT, description="a mobile app"),
    Kind("tablet", "generic.device.Tablet", CLIENT),
    Kind("internet", "onprem.network.Internet", EXTERNAL, description="the public internet"),
    Kind("third-party-api", "onprem.network.Internet", EXTERNAL, description="an external API"),
    Kind("payment-provider", "saas.payment.Stripe", EXTERNAL, managed=True),
    Kind("email", "aws.engagement.SES", EXTERNAL, managed=True, description="an e-mail sending service"),
    Kind("sms", "saas.communication.Twilio", EXTERNAL, managed=True),
    # the front door
    Kind("cdn", "saas.cdn.Cloudflare", CDN, managed=True),
    Kind("dns", "aws.network.Route53", DNS, managed=True),
    Kind("waf", "aws.security.WAF", FIREWALL, managed=True),
    Kind("firewall", "generic.network.Firewall", FIREWALL),
    Kind("load-balancer", "onprem.network.Haproxy", LOAD_BALANCER),
    Kind("cloud-load-balancer", "aws.network.ELB", LOAD_BALANCER, managed=True),
    Kind("reverse-proxy", "onprem.network.Nginx", LOAD_BALANCER),
    Kind("ingress", "k8s.network.Ingress", LOAD_BALANCER),
    Kind("api-gateway", "onprem.network.Kong", GATEWAY),
    Kind("cloud-api-gateway", "aws.network.APIGateway", GATEWAY, managed=True),
    Kind("service-mesh", "onprem.network.Istio", PLATFORM),
    # compute
    Kind("service", "onprem.compute.Server", SERVICE, description="a backend service"),
    Kind("api", "programming.framework.Fastapi", SERVICE, description="an HTTP API service"),
    Kind("microservice", "k8s.compute.Pod", SERVICE),
    Kind("graphql", "programming.framework.Graphql", SERVICE),
    Kind("container", "onprem.container.Docker", SERVICE),
    Kind("vm", "aws.compute.EC2", SERVICE),
    Kind("worker", "onprem.queue.Celery", WORKER, description="a background worker"),
    Kind("cron", "k8s.compute.Cronjob", WORKER, description="a scheduled job"),
    Kind("job", "k8s.compute.Job", WORKER),
    Kind("function", "aws.compute.Lambda", FUNCTION, managed=True, description="a serverless function"),
    Kind("workflow", "onprem.workflow.Airflow", WORKER, description="a workflow scheduler"),
    Kind("stream-processor", "onprem.analytics.Flink", WORKER),
    Kind("spark", "onprem.analytics.Spark", WORKER),
    # datastores
    Kind("postgres", "onprem.database.PostgreSQL", DATASTORE),
    Kind("mysql", "onprem.database.MySQL", DATASTORE),
    Kind("mariadb", "onprem.database.MariaDB", DATASTORE),
    Kind("sql-database", "generic.database.SQL", DATASTORE),
    Kind("mssql", "onprem.database.MSSQL", DATASTORE),
    Kind("oracle", "onprem.database.Oracle", DATASTORE),
    Kind("cockroachdb", "onprem.database.CockroachDB", DATASTORE),
    Kind("mongodb", "onprem.database.MongoDB", DATASTORE),
    Kind("cassandra", "onprem.database.Cassandra", DATASTORE),
    Kind("scylla", "onprem.database.Scylla", DATASTORE),
    Kind("couchdb", "onprem.database.CouchDB", DATASTORE),
    Kind("neo4j", "onprem.database.Neo4J", DATASTORE),
    Kind("influxdb", "onprem.database.InfluxDB", DATASTORE, description="a time-series database"),
    Kind("clickhouse", "onprem.database.ClickHouse", WAREHOUSE),
    Kind("dynamodb", "aws.database.Dynamodb", DATASTORE, managed=True),
    Kind("rds", "aws.database.RDS", DATASTORE, managed=True),
    Kind("aurora", "aws.database.Aurora", DATASTORE, managed=True),
    Kind("firestore", "gcp.database.Firestore", DATASTORE, managed=True),
    Kind("cosmosdb", "azure.database.CosmosDb", DATASTORE, managed=True),
    Kind("vector-database", "onprem.database.Qdrant", DATASTORE),
    Kind("redis", "onprem.inmemory.Redis", CACHE),
    Kind("memcached", "onprem.inmemory.Memcached", CACHE),
    Kind("elasticache", "aws.database.ElastiCache", CACHE, managed=True),
    Kind("elasticsearch", "elastic.elasticsearch.Elasticsearch", SEARCH),
    Kind("opensearch", "aws.analytics.AmazonOpensearchService", SEARCH, managed=True),
    Kind("solr", "onprem.search.Solr", SEARCH),
    Kind("data-warehouse", "aws.database.Redshift", WAREHOUSE, managed=True),
    Kind("bigquery", "gcp.analytics.Bigquery", WAREHOUSE, managed=True),
    Kind("snowflake", "saas.analytics.Snowflake", WAREHOUSE, managed=True),
    Kind("data-lake", "aws.analytics.LakeFormation", WAREHOUSE, managed=True),
    Kind("object-storage", "aws.storage.S3", STORAGE, managed=True),
    Kind("gcs", "gcp.storage.GCS", STORAGE, managed=True),
    Kind("file-storage", "generic.storage.Storage", STORAGE),
    # messaging
    Kind("kafka", "onprem.queue.Kafka", STREAM),
    Kind("kinesis", "aws.analytics.KinesisDataStreams", STREAM, managed=True),
    Kind("rabbitmq", "onprem.queue.RabbitMQ", QUEUE),
    Kind("activemq", "onprem.queue.ActiveMQ", QUEUE),
    Kind("nats", "onprem.queue.Nats", QUEUE),
    Kind("sqs", "aws.integration.SQS", QUEUE, managed=True),
    Kind("sns", "aws.integration.SNS", QUEUE, managed=True, description="a pub/sub topic"),
    Kind("pubsub", "gcp.analytics.Pubsub", QUEUE, managed=True),
    Kind("eventbridge", "aws.integration.Eventbridge", QUEUE, managed=True),
    Kind("service-bus", "azure.integration.ServiceBus", QUEUE, managed=True),
    Kind("redis-pubsub", "onprem.inmemory.Redis", QUEUE),
    # observability
    Kind("prometheus", "onprem.monitoring.Prometheus", METRICS),
    Kind("grafana", "onprem.monitoring.Grafana", METRICS),
    Kind("datadog", "onprem.monitoring.Datadog", METRICS, managed=True),
    Kind("sentry", "onprem.monitoring.Sentry", METRICS, managed=True, description="error tracking"),
    Kind("alerting", "saas.alerting.Pagerduty", METRICS, managed=True),
    Kind("jaeger", "onprem.tracing.Jaeger", TRACING),
    Kind("tracing", "onprem.tracing.Tempo", TRACING),
    Kind("logging", "onprem.logging.Loki", LOGGING),
    Kind("loki", "onprem.logging.Loki", LOGGING),
    Kind("fluentbit", "onprem.logging.FluentBit", LOGGING),
    Kind("elk", "elastic.elasticsearch.Kibana", LOGGING),
    # security and identity
    Kind("vault", "onprem.security.Vault", SECURITY, description="secrets management"),
    Kind("secrets-manager", "aws.security.SecretsManager", SECURITY, managed=True),
    Kind("kms", "aws.security.KMS", SECURITY, managed=True),
    Kind("identity-provider", "onprem.identity.Dex", IDENTITY, description="an OAuth 2.0 / OIDC provider"),
    Kind("oauth", "saas.identity.Auth0", IDENTITY, managed=True),
    Kind("okta", "saas.identity.Okta", IDENTITY, managed=True),
    Kind("cognito", "aws.security.Cognito", IDENTITY, managed=True),
    # platform
    Kind("kubernetes", "k8s.controlplane.APIServer", PLATFORM),
    Kind("docker", "onprem.container.Docker", PLATFORM),
    Kind("ci", "onprem.ci.GithubActions", PLATFORM),
    Kind("cd", "onprem.gitops.ArgoCD", PLATFORM),
    Kind("terraform", "onprem.iac.Terraform", PLATFORM),
]
CATALOGUE: dict[str, Kind] = {k.name: k for k in _CATALOGUE}
ALIASES = {"postgresql": "postgres", "pg": "postgres", "lb": "load-balancer", "gateway": "api-gateway",
           "queue": "rabbitmq", "s3": "object-storage", "blob-storage": "object-storage", "frontend": "web",
           "browser": "web", "cache": "redis", "search": "elasticsearch", "warehouse": "data-warehouse",
           "secrets": "vault", "idp": "identity-provider", "oidc": "identity-provider", "lambda": "function",
           "scheduler": "cron", "metrics": "prometheus", "monitoring": "prometheus", "logs": "logging",
           "app": "service", "backend": "service", "database": "sql-database", "db": "sql-database",
           "topic": "sns", "stream": "kafka", "k8s": "kubernetes", "mq": "rabbitmq"}
_CATEGORY_ROLES = {
    "database": DATASTORE, "databases": DATASTORE, "inmemory": CACHE, "queue": QUEUE, "integration": QUEUE,
    "storage": STORAGE, "monitoring": METRICS, "logging": LOGGING, "tracing": TRACING, "security": SECURITY,
    "identity": IDENTITY, "client": CLIENT, "device": CLIENT, "network": LOAD_BALANCER, "analytics": WAREHOUSE,
    "search": SEARCH, "cdn": CDN, "payment": EXTERNAL, "communication": EXTERNAL, "alerting": METRICS,
    "compute": SERVICE, "framework": SERVICE, "container": SERVICE, "workflow": WORKER,
}


def kinds() -> list[Kind]:
    """Every generic kind, sorted by role then name."""
    return sorted(CATALOGUE.values(), key=lambda k: (k.role, k.name))


@lru_cache(maxsize=1)
def diagram_classes() -> dict[str, type]:
    """The allowlist: `provider.category.Class` → class, for every node class of the installed `diagrams`."""
    import importlib
    import inspect
    import pkgutil

    import diagrams

    found: dict[str, type] = {}
    for provider in pkgutil.iter_modules(diagrams.__path__):
        if not provider.ispkg:
            continue
        package = importlib.import_module(f"diagrams.{provider.name}")
        for category in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"diagrams.{provider.name}.{category.name}")
            for name, obj in vars(module).items():
                if inspect.isclass(obj) and issubclass(obj, diagrams.Node) and getattr(obj, "_icon", None) \
                        and obj.__module__ == module.__name__:
                    found[f"{provider.name}.{category.name}.{name}"] = obj
    return found


def node_class(path: str) -> type:
    """The `diagrams` class for `provider.category.Class` (from the allowlist only)."""
    classes = diagram_classes()
    if path not in classes:
        raise ArchitectureSpecError([f"kind {path!r}: no such class in the installed diagrams package"])
    return classes[path]


def resolve(kind: str) -> Kind | None:
    """A Kind for a generic kind, an alias, or a `provider.category.Class` reference; None if unknown."""
    key = kind.strip()
    lowered = key.lower().replace("_", "-").replace(" ", "-")
    if lowered in CATALOGUE:
        return CATALOGUE[lowered]
    if lowered in ALIASES:
        return CATALOGUE[ALIASES[lowered]]
    if key.count(".") == 2 and key in diagram_classes():
        category = key.split(".")[1]
        return Kind(key, key, _CATEGORY_ROLES.get(category, SERVICE))
    return None


def closest(kind: str, n: int = 3) -> list[str]:
    """Known kinds that look like `kind` (for error messages)."""
    lowered = kind.lower().replace("_", "-")
    names = list(CATALOGUE) + list(ALIASES)
    found = difflib.get_close_matches(lowered, names, n=n, cutoff=0.5)
    if "." in kind:
        found += difflib.get_close_matches(kind, list(diagram_classes()), n=n, cutoff=0.75)
    out: list[str] = []
    for f in found:
        name = ALIASES.get(f, f)
        if name not in out:
            out.append(name)
    return out[:n]
