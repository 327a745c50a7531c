"""The partner's price book: who issues the invoices and what each customer pays relative to the warehouse.

The warehouse knows what Huawei charges; the partner resells at its own terms. The price book turns the one
into the other with a per-customer discount or markup in percent, applied to each invoice line's net amount.
It also holds what an invoice must say besides amounts: the issuer's and customers' billing details
(legal name, address, tax id, bank), payment terms, VAT rates per service and the tax classification codes
of the e-invoicing (fapiao) export.
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


LANGS = ("zh", "en", "both")


@dataclass(frozen=True)
class Issuer:
    """Who issues the invoices; invoices and credit notes each run a gapless number series."""

    name: str
    prefix: str
    address: str = ""
    tax_id: str = ""
    currency: str = "CNY"
    bank_name: str = ""
    bank_account: str = ""
    credit_note_prefix: str = ""
    payment_terms_days: int = 30

    @property
    def credit_prefix(self) -> str:
        """Credit notes' own series: the configured prefix, else the invoice prefix with INV -> CN."""
        if self.credit_note_prefix:
            return self.credit_note_prefix
        return self.prefix.replace("INV", "CN") if "INV" in self.prefix else f"{self.prefix}CN-"


@dataclass(frozen=True)
class TaxPolicy:
    """VAT: a default rate, rates per service, whether price-book amounts include it, fapiao codes."""

    rate: Decimal = Decimal(0)
    prices_include_tax: bool = False
    service_rates: Mapping[str, Decimal] = field(default_factory=dict)
    classification_default: str = ""
    classification_codes: Mapping[str, str] = field(default_factory=dict)

    def rate_for(self, service_type_code: str) -> Decimal:
        """The service's own rate, else the default."""
        return self.service_rates.get(service_type_code, self.rate)

    def code_for(self, service_type_code: str) -> str:
        """The tax classification code (税收分类编码) of a service for the fapiao export."""
        return self.classification_codes.get(service_type_code, self.classification_default)


@dataclass(frozen=True)
class CustomerDetails:
    """What the invoice says about its buyer besides the name; empty when the price book does not know."""

    address: str = ""
    tax_id: str = ""
    bank_name: str = ""
    bank_account: str = ""
    lang: str = ""


@dataclass(frozen=True)
class PriceBook:
    """Issuer, default terms, and per-customer terms keyed by customer_id."""

    issuer: Issuer
    default: PriceRule = PriceRule()
    customers: Mapping[str, PriceRule] = field(default_factory=dict)
    customer_names: Mapping[str, str] = field(default_factory=dict)
    tax: TaxPolicy = TaxPolicy()
    details: Mapping[str, CustomerDetails] = field(default_factory=dict)
    lang: str = "both"

    def details_for(self, customer_id: str) -> CustomerDetails:
        """The customer's billing details, else empty ones."""
        return self.details.get(customer_id, CustomerDetails())

    def lang_for(self, customer_id: str) -> str:
        """Label language of the customer's documents: its own, else the book's default."""
        return self.details_for(customer_id).lang or self.lang

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


_ISSUER_TEXT = (
    "name",
    "prefix",
    "address",
    "tax_id",
    "currency",
    "bank_name",
    "bank_account",
    "credit_note_prefix",
)
_DETAIL_TEXT = ("address", "tax_id", "bank_name", "bank_account", "lang")


def _text(doc: TomlDocument, path: tuple[str, ...], value: object, required: bool = False) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise doc.error(path, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _issuer(doc: TomlDocument) -> Issuer:
    if "issuer" not in doc.data:
        raise ConfigError(f"{doc.path}: missing [issuer] table (name and invoice number prefix)")
    raw = table(doc, ("issuer",), doc.data["issuer"])
    reject_unknown(doc, ("issuer",), raw, {*_ISSUER_TEXT, "payment_terms_days"})
    fields: dict[str, str] = {}
    for key in _ISSUER_TEXT:
        if key in raw:
            fields[key] = _text(doc, ("issuer", key), raw[key], required=key in {"name", "prefix"})
        elif key in {"name", "prefix"}:
            raise doc.error(("issuer", ""), f"missing key '{key}'")
    if fields.get("currency", "CNY") != "CNY":
        raise doc.error(("issuer", "currency"), "the warehouse holds CNY amounts only")
    days = raw.get("payment_terms_days", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
        raise doc.error(
            ("issuer", "payment_terms_days"), f"must be a whole number of days 0-365, got {days!r}"
        )
    if fields.get("credit_note_prefix") == fields["prefix"]:
        raise doc.error(
            ("issuer", "credit_note_prefix"), "must differ from prefix: credit notes run their own series"
        )
    return Issuer(**fields, payment_terms_days=days)


def _rate(doc: TomlDocument, path: tuple[str, ...], value: object) -> Decimal:
    rate = decimal_value(doc, path, value)
    if not Decimal(0) <= rate < Decimal(1):
        raise doc.error(path, f'a VAT rate is a fraction like "0.06" (6%), from 0 up to 1; got {value!r}')
    return rate


def _tax(doc: TomlDocument) -> TaxPolicy:
    raw = table(doc, ("tax",), doc.data.get("tax", {}))
    reject_unknown(doc, ("tax",), raw, {"vat_rate", "prices", "services", "classification"})
    prices = raw.get("prices", "tax_exclusive")
    if prices not in ("tax_exclusive", "tax_inclusive"):
        raise doc.error(("tax", "prices"), f'must be "tax_exclusive" or "tax_inclusive", got {prices!r}')
    services = table(doc, ("tax", "services"), raw.get("services", {}))
    codes = table(doc, ("tax", "classification"), raw.get("classification", {}))
    return TaxPolicy(
        rate=_rate(doc, ("tax", "vat_rate"), raw.get("vat_rate", "0")),
        prices_include_tax=prices == "tax_inclusive",
        service_rates={k: _rate(doc, ("tax", "services", k), v) for k, v in services.items()},
        classification_default=_text(doc, ("tax", "classification", "default"), codes.get("default", "")),
        classification_codes={
            k: _text(doc, ("tax", "classification", k), v, required=True)
            for k, v in codes.items()
            if k != "default"
        },
    )


def _lang(doc: TomlDocument, path: tuple[str, ...], value: object) -> str:
    if value not in LANGS:
        raise doc.error(path, f"must be one of {', '.join(LANGS)}, got {value!r}")
    return str(value)


def load_price_book(path: Path) -> PriceBook:
    """Parse and validate a price book TOML (see config/price_book.example.toml); errors name key and line."""
    doc = TomlDocument(path)
    reject_unknown(doc, (), doc.data, {"issuer", "default", "customers", "tax", "lang"})
    issuer = _issuer(doc)
    default_table = table(doc, ("default",), doc.data.get("default", {}))
    reject_unknown(doc, ("default",), default_table, {"discount_percent", "markup_percent"})
    customers: dict[str, PriceRule] = {}
    names: dict[str, str] = {}
    details: dict[str, CustomerDetails] = {}
    for customer_id, raw in table(doc, ("customers",), doc.data.get("customers", {})).items():
        path_ = ("customers", customer_id)
        entry = table(doc, path_, raw)
        reject_unknown(doc, path_, entry, {"discount_percent", "markup_percent", "name", *_DETAIL_TEXT})
        customers[customer_id] = _rule(doc, path_, entry)
        if "name" in entry:
            names[customer_id] = _text(doc, (*path_, "name"), entry["name"], required=True)
        if "lang" in entry:
            _lang(doc, (*path_, "lang"), entry["lang"])
        details[customer_id] = CustomerDetails(
            **{k: _text(doc, (*path_, k), entry[k]) for k in _DETAIL_TEXT if k in entry}
        )
    lang = _lang(doc, ("lang",), doc.data.get("lang", "both"))
    return PriceBook(
        issuer, _rule(doc, ("default",), default_table), customers, names, _tax(doc), details, lang
    )
