"""define_api follows references only inside the document: a $ref to a file or a URL is refused before anything is
read or requested (a real HTTP server counts the connections; a real file holds a marker), in every contract format
that has references. Malformed documents get errors that name the key at fault, never a bare KeyError."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workbench.agent.registry import ToolContext
from workbench.agent.tools import builtin_registry
from workbench.design.aggregate import Design
from workbench.design.api import ApiContract, ApiSpecError

LOCAL_ONLY = "only references inside the document (#/...) are allowed"
MARKER = "MARKER-7f3a-do-not-leak"


@pytest.fixture
def counting_server():
    """A real HTTP server on 127.0.0.1 that answers every request with a schema holding the marker, and counts
    every connection made to it (whatever the method)."""
    connections: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def handle(self) -> None:
            connections.append(self.client_address[0])
            super().handle()

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = f'{{"type": "string", "description": "{MARKER}"}}'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", connections
    server.shutdown()
    server.server_close()


def openapi(version: str, ref: str) -> str:
    return f"""openapi: {version}
info: {{title: Refs, version: '1'}}
paths:
  /orders:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '{ref}'}}
"""


def asyncapi(version: str, ref: str) -> str:
    if version.startswith("2"):
        return f"""asyncapi: {version}
info: {{title: Refs, version: '1'}}
channels:
  orders:
    subscribe:
      message:
        payload: {{$ref: '{ref}'}}
"""
    return f"""asyncapi: {version}
info: {{title: Refs, version: '1'}}
channels:
  orders:
    address: orders
    messages:
      placed:
        payload: {{$ref: '{ref}'}}
operations:
  onPlaced: {{action: receive, channel: {{$ref: '#/channels/orders'}}}}
"""


DOCUMENTS = [("openapi", openapi, v) for v in ("3.0.3", "3.1.0", "3.2.0")] + \
            [("asyncapi", asyncapi, v) for v in ("2.6.0", "3.0.0")]


def answer(design: Design, text: str) -> str:
    """What the model gets back from the define_api tool."""
    out = builtin_registry().dispatch(ToolContext(design=design), "define_api", {"openapi": text, "name": "refs"})
    assert out.is_error, out.text
    return out.text


def need_asyncapi(fmt: str) -> None:
    from workbench.design.contracts import specs_folder

    if fmt == "asyncapi":
        assert specs_folder() is not None, "scripts/setup.sh installs @asyncapi/specs"


@pytest.mark.parametrize("fmt,document,version", DOCUMENTS)
def test_a_reference_to_a_url_sends_no_request(fmt, document, version, counting_server, isolated):
    need_asyncapi(fmt)
    base, connections = counting_server
    design = Design("refs")
    for ref in (f"{base}/order.json", f"{base}/order.json#/type", "//127.0.0.1:1/x.json"):
        text = answer(design, document(version, ref))
        assert LOCAL_ONLY in text and MARKER not in text and "Unresolvable" not in text
    assert connections == []
    assert design.latest("api" if fmt == "openapi" else "contract", "refs") is None  # nothing stored


@pytest.mark.parametrize("fmt,document,version", DOCUMENTS)
def test_a_reference_to_a_file_reads_nothing_and_tells_nothing(fmt, document, version, tmp_path, isolated):
    need_asyncapi(fmt)
    design = Design("refs")
    target = tmp_path / "outside" / "order.json"
    target.parent.mkdir()
    target.write_text(f'{{"type": "string", "description": "{MARKER}"}}')
    answers = {}
    for ref in (target.as_uri(), str(target), "../outside/order.json", "file:///etc/passwd"):
        text = answer(design, document(version, ref))
        assert LOCAL_ONLY in text and MARKER not in text and "root:x:0:0" not in text
        answers[ref] = text
    target.unlink()  # the same references once the file is gone: the same answers, word for word
    for ref, before in answers.items():
        if ref != "file:///etc/passwd":
            assert answer(design, document(version, ref)) == before
    assert design.latest("api" if fmt == "openapi" else "contract", "refs") is None


def test_json_schema_inside_openapi_fetches_nothing(counting_server, isolated):
    """What a scan of $ref values cannot see: a schema's $id that is a URL (the validator's own resolution is
    refused there), a $schema or jsonSchemaDialect naming a URL, a 3.2 $self."""
    base, connections = counting_server
    design = Design("refs")
    with_id = f"""openapi: 3.1.0
info: {{title: Refs, version: '1'}}
paths: {{}}
components:
  schemas:
    Order:
      $id: {base}/order.json
      type: object
      properties: {{item: {{$ref: '#/components/schemas/Item'}}}}
    Item: {{type: string}}
    Remote: {{$schema: '{base}/meta', type: string}}
"""
    text = answer(design, with_id)
    assert MARKER not in text and "Unknown JSON Schema dialect" in text
    answer(design, f"openapi: 3.1.0\njsonSchemaDialect: {base}/dialect\ninfo: {{title: R, version: '1'}}\npaths: {{}}\n"
                   "components: {schemas: {A: {type: string}}}\n")
    design.define_api(f"openapi: 3.2.0\n$self: {base}/api.yaml\ninfo: {{title: R, version: '1'}}\npaths:\n  /a:\n"
                      "    get:\n      responses: {'200': {$ref: '#/components/responses/Ok'}}\n"
                      "components: {responses: {Ok: {description: ok}}}\n", "self")
    from openapi_spec_validator import OpenAPIV31SpecValidator

    for ref in (f"{base}/order.json", "file:///etc/passwd"):  # the validator's own resolution, without the scan
        import yaml

        contract = ApiContract(yaml.safe_load(openapi("3.1.0", ref)))
        errors, problems = contract._semantic_check(OpenAPIV31SpecValidator)
        assert errors == [] and len(problems) == 1 and LOCAL_ONLY in problems[0] and MARKER not in problems[0]
    assert connections == []


def test_local_references_still_work_and_dangling_ones_are_named(isolated):
    design = Design("refs")
    version, contract = design.define_api(openapi("3.1.0", "#/components/schemas/Order")
                                          + "components:\n  schemas:\n    Order: {type: object}\n")
    assert version == 1 and contract.endpoints()[0].path == "/orders"
    with pytest.raises(ApiSpecError) as info:
        design.define_api(openapi("3.0.3", "#/components/schemas/Nope"))
    message = str(info.value)
    assert "schema['$ref'] (line 11): '#/components/schemas/Nope': names nothing in the document" in message
    assert "does not exist within {" not in message  # not the whole document dumped back


MALFORMED = {
    "a response with content: null": (
        "      responses:\n        '200': {description: ok, content: null}\n",
        "$.paths['/a'].post.responses['200'].content (line 7): is empty (null); it must be of type object"),
    "responses: null": (
        "      responses: null\n",
        "$.paths['/a'].post.responses (line 6): is empty (null); it must be of type object"),
    "a requestBody without content": (
        "      requestBody: {description: the order}\n      responses: {'201': {description: ok}}\n",
        "$.paths['/a'].post.requestBody (line 6): 'content' is a required property"),
    "a requestBody with content: null": (
        "      requestBody: {content: null}\n      responses: {'201': {description: ok}}\n",
        "$.paths['/a'].post.requestBody.content (line 6): is empty (null); it must be of type object"),
    "a body schema with properties: null": (
        "      requestBody: {content: {application/json: {schema: {type: object, properties: null}}}}\n"
        "      responses: {'201': {description: ok}}\n",
        "$.paths['/a'].post.requestBody.content['application/json'].schema.properties (line 6): is empty (null)"),
    "a dangling $ref inside a request body": (
        "      requestBody: {content: {application/json: {schema: {type: array, items: {$ref: '#/nope'}}}}}\n"
        "      responses: {'201': {description: ok}}\n",
        "items['$ref'] (line 6): '#/nope': names nothing in the document"),
}


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_documents_get_errors_that_name_the_key(case, version, isolated):
    body, expected = MALFORMED[case]
    text = f"openapi: {version}\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    post:\n{body}"
    with pytest.raises(ApiSpecError) as info:
        ApiContract.from_text(text)
    message = str(info.value)
    assert expected in message and "KeyError" not in message and "None is not" not in message


def test_components_schema_with_properties_null_and_odd_but_valid_values(isolated):
    """3.1: a components schema with properties: null stopped the validator (KeyError 'properties'); enum values
    that are objects, and a $ref-looking key under securitySchemes, broke the comparison with the version before."""
    design = Design("odd")
    with pytest.raises(ApiSpecError, match=r"\$\.components\.schemas\.Order\.properties \(line 6\): is empty"):
        ApiContract.from_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
                              "    Order: {type: object, properties: null}\n")
    first = ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    put:\n      requestBody:\n"
             "        content:\n          application/json:\n            schema:\n              type: object\n"
             "              properties: {shape: {enum: [{kind: a}, [1, 2], square]}}\n"
             "      responses: {'204': {description: done}}\n")
    design.define_api(first)
    _version, contract = design.define_api(first.replace("[1, 2], ", ""))
    assert [c.what for c in contract.changes] == ["PUT /a request: shape no longer takes [1, 2]"]
    assert ApiContract({"components": {"securitySchemes": {"$ref": "#/nope"}}}).security_schemes == ["$ref (?)"]
