"""Contract of `billing.customers` and `billing.customers_history` (`sub-customers/query`, §1.4)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.codes import CUSTOMER_TYPE, VERIFIED_STATUS
from schemas.columns import LIST_HOLDER_DOC, Column, DatasetSpec, holder_column, wire
from schemas.validation import RowChecks, RuleSettings, model_from_spec

SPEC = DatasetSpec(
    name="customers",
    table="billing.customers",
    endpoint="POST /v2/partners/sub-customers/query",
    records_field="customer_infos",
    count_field="count",
    partition_column="customer_id",
    partition_kind="month",
    key=("customer_id",),
    nested_fields=("account_managers",),
    columns=(
        wire("customer_id", key=True, required=True, nullable=False),
        wire("account_name"),
        wire("customer", doc="real name"),
        Column("associated_on_utc", "TIMESTAMP", wire="associated_on", unit="UTC"),
        wire("association_type", doc="'1' referral, '2' resale"),
        wire("label"),
        wire("telephone"),
        wire("email"),
        wire("country_code"),
        wire("verified_status", "INTEGER", doc="-1 none, 0 pending, 1 rejected, 2 verified"),
        wire("customer_type", "INTEGER", doc="-1, 0 individual, 1 enterprise"),
        wire("is_frozen", "INTEGER"),
        wire("account_managers", "JSON", doc="[{account_name}]"),
        wire("xaccount_id", doc="the customer's linked account id (SDK CustomerInformation)"),
        wire("xaccount_type"),
        wire("customer_level", doc="V0-V5"),
        holder_column(LIST_HOLDER_DOC, appended=False),
    ),
)


class CustomerChecks(RowChecks):
    """Code checks for customers (documented code lists)."""

    @pa.dataframe_check
    @classmethod
    def verified_status_known(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """verified_status must be -1, 0, 1 or 2"""
        return data.lazyframe.select(pl.col("verified_status").is_in(list(VERIFIED_STATUS)).fill_null(True))

    @pa.dataframe_check
    @classmethod
    def customer_type_known(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """customer_type must be -1, 0 or 1"""
        return data.lazyframe.select(pl.col("customer_type").is_in(list(CUSTOMER_TYPE)).fill_null(True))


CustomerModel = model_from_spec("CustomerModel", SPEC, CustomerChecks)


def model(settings: RuleSettings) -> type[pa.DataFrameModel]:
    """Customers have no S rules; the settings are accepted for a uniform interface."""
    del settings
    return CustomerModel
