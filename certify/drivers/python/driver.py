#!/usr/bin/env python3
"""phlomock certification driver for a tiny PHLO runner client.

Written from docs/driver-protocol.md alone, with Python's standard library
only, as the proof that the document is enough to write a driver in a new
language, and as a starting point for yours: replace PhloClient with the
client you want to certify.

Run it with `python3 certify/drivers/python/driver.py`.
"""

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

API_FIELDS = ("api_id", "phlo_id", "node_id", "name", "node_type",
              "created_on", "phlo_run_id", "message", "error")


class PhloError(Exception):
    """An error answer of the PHLO runner API, or a failure to get one."""

    def __init__(self, status, message, api_id=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.api_id = api_id


class PhloClient:
    """A minimal client of the PHLO runner API (the client under test)."""

    def __init__(self, auth_id, auth_token, base_url="https://phlorunner.plivo.com", timeout=8):
        self.auth_id = auth_id
        self.base_url = base_url.rstrip("/") + "/v1"
        self.timeout = timeout
        token = base64.b64encode(f"{auth_id}:{auth_token}".encode()).decode()
        self.headers = {"Authorization": "Basic " + token, "Accept": "application/json",
                        "User-Agent": "phlomock-python-driver/1"}

    def _request(self, method, path, body=None):
        data = None
        headers = dict(self.headers)
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                doc = json.loads(raw)
                if not isinstance(doc, dict):
                    raise ValueError("not an object")
                raise PhloError(e.code, str(doc.get("error", "")), doc.get("api_id")) from None
            except ValueError:
                raise PhloError(e.code, raw.decode("utf-8", "replace") or e.reason) from None
        except (urllib.error.URLError, OSError) as e:
            raise PhloError(0, str(e)) from None
        try:
            doc = json.loads(raw)
        except ValueError:
            raise PhloError(0, "response is not JSON: " + raw[:100].decode("utf-8", "replace")) from None
        if not isinstance(doc, dict):
            raise PhloError(0, "response is not a JSON object")
        return doc

    @staticmethod
    def _seg(s):
        # Phone numbers (+...) and SIP addresses (sip:a@b) go raw into the path.
        return urllib.parse.quote(s, safe="+:@")

    def run_phlo(self, phlo_id, payload=None):
        return self._request("POST", f"/account/{self._seg(self.auth_id)}/phlo/{self._seg(phlo_id)}", payload)

    def get_phlo(self, phlo_id):
        return self._request("GET", f"/phlo/{self._seg(phlo_id)}")

    def get_multi_party_call(self, phlo_id, node_id):
        return self._request("GET", f"/phlo/{self._seg(phlo_id)}/multi_party_call/{self._seg(node_id)}")

    def node_action(self, phlo_id, node_id, action, to, trigger_source, role=None):
        body = {"action": action}
        for key, value in (("to", to), ("role", role), ("trigger_source", trigger_source)):
            if value is not None:  # not given: not sent
                body[key] = value
        return self._request("POST", f"/phlo/{self._seg(phlo_id)}/multi_party_call/{self._seg(node_id)}", body)

    def member_action(self, phlo_id, node_id, member_address, action):
        return self._request(
            "POST",
            f"/phlo/{self._seg(phlo_id)}/multi_party_call/{self._seg(node_id)}/members/{self._seg(member_address)}",
            {"action": action})


OPERATIONS = ["runPhlo", "getPhlo", "getMultiPartyCall", "call", "warmTransfer", "coldTransfer",
              "abortTransfer", "hold", "unhold", "hangup", "resumeCall", "voicemailDrop"]
NODE_ACTIONS = {"call": "call", "warmTransfer": "warm_transfer", "coldTransfer": "cold_transfer"}
MEMBER_ACTIONS = {"abortTransfer": "abort_transfer", "hold": "hold", "unhold": "unhold",
                  "hangup": "hangup", "resumeCall": "resume_call", "voicemailDrop": "voicemail_drop"}


class Unsupported(Exception):
    pass


def perform(msg):
    """Performs one call with the client and returns its answer."""
    p = msg["params"]
    client = PhloClient(msg["auth_id"], msg["auth_token"], base_url=msg["base_url"])
    op = msg["operation"]
    if op == "runPhlo":
        return client.run_phlo(p["phlo_id"], p.get("payload"))
    if op == "getPhlo":
        return client.get_phlo(p["phlo_id"])
    if op == "getMultiPartyCall":
        return client.get_multi_party_call(p["phlo_id"], p["node_id"])
    if op in NODE_ACTIONS:
        kwargs = {"role": p["role"]} if "role" in p else {}  # absent: not given
        return client.node_action(p["phlo_id"], p["node_id"], NODE_ACTIONS[op],
                                  p.get("to"), p.get("trigger_source"), **kwargs)
    if op in MEMBER_ACTIONS:
        return client.member_action(p["phlo_id"], p["node_id"], p["member_address"], MEMBER_ACTIONS[op])
    raise Unsupported(op)


def handle_call(msg):
    result = {"type": "result", "id": msg.get("id", "")}
    try:
        value = perform(msg)
    except Unsupported as e:
        result.update(outcome="unsupported", message=f"no operation {e}")
    except PhloError as e:
        err = {"status": e.status, "message": e.message}
        if e.api_id:
            err["api_id"] = str(e.api_id)
        result.update(outcome="error", error=err)
    except (KeyError, TypeError, AttributeError) as e:
        result.update(outcome="driver_error", message=f"cannot use params: {e!r}")
    except Exception as e:  # the client must never crash the driver
        result.update(outcome="error", error={"status": 0, "message": str(e)})
    else:
        fields = {k: str(value[k]) for k in API_FIELDS if value.get(k) is not None}
        result.update(outcome="success", fields=fields)
    return result


def send(msg):
    sys.stdout.write(json.dumps(msg, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError as e:
            print(f"python driver: bad message: {e}", file=sys.stderr)
            return 2
        kind = msg.get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": 1, "client": "phlomock-python-driver",
                  "version": "1", "operations": OPERATIONS})
        elif kind == "call":
            send(handle_call(msg))
        elif kind == "bye":
            return 0
        else:
            print(f"python driver: ignoring a message of type {kind!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
