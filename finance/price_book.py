"""The partner's price book: who issues the invoices and what each customer pays relative to the warehouse.

The warehouse knows what Huawei charges; the partner resells at its own terms. The price book turns the one
into the other with a per-customer discount or markup in percent, applied to each invoice line's net amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from finance.toml_config import ConfigError, TomlDocument, decimal_value, reject_unknown, table

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PriceRule:
    """A customer's terms: percent > 0 is a markup, < 0 a discount, 0 the warehouse amount as is."""

    percent: Decimal = Decimal(0)

    @property
    def label(self) -> str:
        """How the rule reads on an invoice and in marts.invoices.price_rule."""
        if self.percent > 0:
            return f"markup {self.percent.normalize():f}%"
        if self.percent < 0:
            return f"discount {(-self.percent).normalize():f}%"
        return "list terms"

    def adjustment(self, net: Decimal) -> Decimal:
        """The exact (unrounded) amount the rule adds to `net` (negative for a discount)."""
        return net * self.percent / HUNDRED


@dataclass(frozen=True)
class Issuer:
    """Who issues the invoices; numbers run per issuer, each with its prefix."""

    name: str
    prefix: str
    address: str = ""
    tax_id: str = ""
    currency: str = "CNY"


@dataclass(frozen=True)
class PriceBook:
    """Issuer, default terms, and per-customer terms keyed by customer_id."""

    issuer: Issuer
    default: PriceRule = PriceRule()
    customers: Mapping[str, PriceRule] = field(default_factory=dict)
    customer_names: Mapping[str, str] = field(default_factory=dict)

    def rule_for(self, customer_id: str) -> PriceRule:
        """The customer's own terms, else the default."""
        return self.customers.get(customer_id, self.default)


def _rule(doc: TomlDocument, path: tuple[str, ...], data: Mapping[str, object]) -> PriceRule:
    if "discount_percent" in data and "markup_percent" in data:
        raise doc.error((*path, "markup_percent"), "set either discount_percent or markup_percent, not both")
    for key, sign in (("discount_percent", -1), ("markup_percent", 1)):
        if key in data:
            value = decimal_value(doc, (*path, key), data[key])
            limit = HUNDRED if key == "discount_percent" else Decimal(1000)
            if not Decimal(0) <= value <= limit:
                raise doc.error((*path, key), f"must be between 0 and {limit}, got {value}")
            return PriceRule(sign * value)
    return PriceRule()


def load_price_book(path: Path) -> PriceBook:
    """Parse and validate a price book TOML (see config/price_book.example.toml); errors name key and line."""
    doc = TomlDocument(path)
    reject_unknown(doc, (), doc.data, {"issuer", "default", "customers"})
    if "issuer" not in doc.data:
        raise ConfigError(f"{path}: missing [issuer] table (name and invoice number prefix)")
    raw_issuer = table(doc, ("issuer",), doc.data["issuer"])
    reject_unknown(doc, ("issuer",), raw_issuer, {"name", "prefix", "address", "tax_id", "currency"})
    fields: dict[str, str] = {}
    for key in ("name", "prefix", "address", "tax_id", "currency"):
        if key in raw_issuer:
            value = raw_issuer[key]
            if not isinstance(value, str) or (key in {"name", "prefix"} and not value.strip()):
                raise doc.error(("issuer", key), f"must be a non-empty string, got {value!r}")
            fields[key] = value.strip()
        elif key in {"name", "prefix"}:
            raise doc.error(("issuer", ""), f"missing key '{key}'")
    if fields.get("currency", "CNY") != "CNY":
        raise doc.error(("issuer", "currency"), "the warehouse holds CNY amounts only")
    default_table = table(doc, ("default",), doc.data.get("default", {}))
    reject_unknown(doc, ("default",), default_table, {"discount_percent", "markup_percent"})
    customers: dict[str, PriceRule] = {}
    names: dict[str, str] = {}
    for customer_id, raw in table(doc, ("customers",), doc.data.get("customers", {})).items():
        path_ = ("customers", customer_id)
        entry = table(doc, path_, raw)
        reject_unknown(doc, path_, entry, {"discount_percent", "markup_percent", "name"})
        customers[customer_id] = _rule(doc, path_, entry)
        if "name" in entry:
            if not isinstance(entry["name"], str):
                raise doc.error((*path_, "name"), f"must be a string, got {entry['name']!r}")
            names[customer_id] = entry["name"]
    return PriceBook(Issuer(**fields), _rule(doc, ("default",), default_table), customers, names)
