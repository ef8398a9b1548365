#!/usr/bin/env python3
"""The layering check at the type level: crm-service's public API names no type of the store
or the analytics.

`cargo tree` proves that crm-api does not depend on crm-storage or crm-analytics, but not that
it never holds one of their values: a re-export (`pub use crm_storage::Row`), a public field or
a return type of crm-service would hand them over all the same. This reads crm-service's public
API from rustdoc's JSON output and fails on every item that names an item defined in
crm-storage or crm-analytics: a re-export, a field, a variant, a parameter, a return type, a
bound or an alias.

What the composition root (the `crm-trends` binary, which builds the store and the analytics
rules and hands them to the service) needs is allowed, by name, in ALLOWED below; conversions
(`impl From<storage type> for ServiceError`) are allowed too: one cannot hand a store's value
to a caller of the service.

    python3 scripts/layering.py [path/to/crm_service.json]

Without a path it runs rustdoc itself (`RUSTC_BOOTSTRAP=1 cargo rustdoc -p crm-service
--lib -- -Z unstable-options --output-format json`: rustdoc's JSON output is unstable, and
the stable toolchain gives it under RUSTC_BOOTSTRAP). Python 3 standard library only.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

FORBIDDEN_CRATES = {"crm_storage", "crm_analytics"}

# Items of crm-service's public API that the composition root uses to build a service, and
# that may name a type of the store or the analytics: the service's constructor takes the
# store, and the analytics rules are configured with the analytics' own rule types.
ALLOWED = {
    "crm_service::Service::new",
    "crm_service::AnalyticsConfig",
    "crm_service::refresh",
    "crm_service::run_forever",
}

# Conversions into the service's own types: they take a store's value, never give one.
ALLOWED_TRAITS = {"From"}


def rustdoc_json(root: Path) -> Path:
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    subprocess.run(
        ["cargo", "rustdoc", "-q", "-p", "crm-service", "--lib", "--", "-Z", "unstable-options",
         "--output-format", "json"],
        cwd=root, env=env, check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    return target / "doc" / "crm_service.json"


def references(node):
    """Every item id that a piece of an item's JSON refers to by path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("resolved_path", "use") and isinstance(value, dict) and value.get("id") is not None:
                yield value["id"], value.get("path") or value.get("source") or value.get("name")
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def check(doc: dict) -> list[str]:
    crates = {int(k): v["name"] for k, v in doc["external_crates"].items()}
    forbidden = {k for k, name in crates.items() if name in FORBIDDEN_CRATES}
    index = {str(k): v for k, v in doc["index"].items()}
    paths = {str(k): v for k, v in doc["paths"].items()}

    def crate_of(item_id) -> int | None:
        key = str(item_id)
        if key in paths:
            return paths[key]["crate_id"]
        if key in index:
            return index[key]["crate_id"]
        return None

    # Where each local item sits: its own path, or its parent's (for fields, variants,
    # methods, impls), so that a finding names something a reader can find.
    owner: dict[str, str] = {}
    for key, summary in paths.items():
        if summary["crate_id"] == 0:
            owner[key] = "::".join(summary["path"])
    for key, item in index.items():
        inner = item.get("inner", {})
        kind, body = next(iter(inner.items())) if inner else (None, None)
        parent = owner.get(key)
        if parent is None:
            continue
        children = []
        if kind == "struct":
            fields = body.get("kind", {})
            if isinstance(fields, dict):
                plain = fields.get("plain") or {}
                children += plain.get("fields", []) if isinstance(plain, dict) else []
                children += [f for f in (fields.get("tuple") or []) if f is not None]
            children += body.get("impls", [])
        elif kind == "enum":
            children += body.get("variants", []) + body.get("impls", [])
        elif kind == "union":
            children += body.get("fields", []) + body.get("impls", [])
        elif kind == "trait":
            children += body.get("items", [])
        for child in children:
            owner.setdefault(str(child), f"{parent}::{index.get(str(child), {}).get('name') or 'impl'}")
            child_item = index.get(str(child), {})
            child_inner = child_item.get("inner", {})
            if "impl" in child_inner:
                for member in child_inner["impl"].get("items", []):
                    name = index.get(str(member), {}).get("name")
                    owner.setdefault(str(member), f"{parent}::{name}")
            if "variant" in child_inner:
                variant_kind = child_inner["variant"].get("kind", {})
                if isinstance(variant_kind, dict):
                    for field in (variant_kind.get("tuple") or []) + \
                            ((variant_kind.get("struct") or {}).get("fields") or []):
                        if field is not None:
                            owner.setdefault(str(field), f"{owner[str(child)]}::{index.get(str(field), {}).get('name')}")

    # Members of allowed conversions are skipped with their impl.
    skipped: set[str] = set()
    for key, item in index.items():
        impl = item.get("inner", {}).get("impl")
        if not impl:
            continue
        trait = impl.get("trait") or {}
        name = (trait.get("path") or trait.get("name") or "").split("::")[-1]
        if name in ALLOWED_TRAITS or impl.get("is_synthetic") or impl.get("blanket_impl"):
            skipped.add(key)
            skipped.update(str(m) for m in impl.get("items", []))

    findings = []
    for key, item in index.items():
        if key in skipped:
            continue
        use = item.get("inner", {}).get("use")
        where = owner.get(key) or (f"pub use {use.get('source')}" if use else None) or item.get("name") or f"item {key}"
        if item["crate_id"] in forbidden:
            # An item of the store or the analytics documented as part of crm-service: an
            # inlined re-export.
            if any(where == a or where.startswith(a + "::") for a in ALLOWED):
                continue
            findings.append(f"{where}: re-exports an item of {crates[item['crate_id']]}")
            continue
        if item["crate_id"] != 0:
            continue
        if any(where == a or where.startswith(a + "::") for a in ALLOWED):
            continue
        for ref, name in references(item.get("inner", {})):
            crate = crate_of(ref)
            if crate in forbidden:
                findings.append(f"{where}: names {crates[crate]}::{name.split('::')[-1] if name else ref}")
    return sorted(set(findings))


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else rustdoc_json(root)
    doc = json.loads(path.read_text())
    findings = check(doc)
    for finding in findings:
        print(finding)
    if findings:
        print(f"crm-service's public API names {len(findings)} type(s) of crm-storage or crm-analytics: "
              "return the service's own types (or crm-domain's) instead", file=sys.stderr)
        return 1
    print("crm-service's public API names no type of crm-storage or crm-analytics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
