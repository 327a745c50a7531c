-- marts.focus_charges with usage units (owner: every-yuan): migration 103's view plus FOCUS ConsumedUnit,
-- PricingQuantity and PricingUnit, named from billing.measure_units (bases/measurements, money_lists_job).
-- The price of usage is per usage unit (list price = quantity x unit price), so the pricing unit is the
-- consumed unit; rows without a usage unit (period orders) have none. Until the units are loaded the unit
-- is the measure_id as text. It also carries the distributor's sub-account hierarchy (issue 14): FOCUS has
-- one SubAccount level, so the customer stays SubAccountId/Name and the reseller above it is in x_ columns:
-- x_ResellerId/Name (NULL for the distributor's own customers), x_ParentSubAccountId (the reseller, else the
-- partner account), x_SubAccountPath (partner domain / reseller / customer); SubAccountType says which.
CREATE OR REPLACE VIEW marts.focus_charges AS
SELECT
    r.payment_amount AS BilledCost,
    r.payment_amount AS EffectiveCost,
    r.official_amount AS ListCost,
    r.official_amount - r.official_discount_amount AS ContractedCost,
    CASE
        WHEN r.bill_detail_type IN (4, 20, 24) THEN 'Credit'
        WHEN r.bill_detail_type IN (9, 16, 25) THEN 'Adjustment'
        WHEN r.charging_mode = 3 THEN 'Usage'
        ELSE 'Purchase'
    END AS ChargeCategory,
    CAST(NULL AS VARCHAR) AS ChargeClass,
    CASE
        WHEN r.charging_mode = 3 THEN 'Usage-Based'
        WHEN r.bill_detail_type IN (2, 8, 18, 103) THEN 'Recurring'
        ELSE 'One-Time'
    END AS ChargeFrequency,
    coalesce(r.product_spec_desc, r.product_name, r.resource_type_name) AS ChargeDescription,
    CAST(r.bill_date AS TIMESTAMP) - INTERVAL 8 HOUR AS ChargePeriodStart,
    CAST(r.bill_date AS TIMESTAMP) + INTERVAL 16 HOUR AS ChargePeriodEnd,
    CAST(strptime(r.bill_cycle || '-01', '%Y-%m-%d') AS TIMESTAMP) - INTERVAL 8 HOUR AS BillingPeriodStart,
    CAST(strptime(r.bill_cycle || '-01', '%Y-%m-%d') AS TIMESTAMP) + INTERVAL 1 MONTH - INTERVAL 8 HOUR
        AS BillingPeriodEnd,
    r.currency AS BillingCurrency,
    r.partner_domain_id AS BillingAccountId,
    'Huawei Cloud' AS InvoiceIssuerName,
    'Huawei Cloud' AS ProviderName,
    'Huawei Cloud' AS PublisherName,
    r.service_type_code AS ServiceName,
    r.service_type_name AS x_ServiceDisplayName,
    r.region_code AS RegionId,
    r.region_name AS RegionName,
    r.resource_id AS ResourceId,
    r.resource_name AS ResourceName,
    r.resource_type_name AS ResourceType,
    r.product_id AS SkuId,
    r.customer_id AS SubAccountId,
    c.account_name AS SubAccountName,
    r.usage_amount AS ConsumedQuantity,
    CASE WHEN coalesce(r.usage_measure_id, 0) <> 0
        THEN coalesce(u.abbreviation, u.measure_name, CAST(r.usage_measure_id AS VARCHAR)) END AS ConsumedUnit,
    CASE WHEN coalesce(r.usage_measure_id, 0) <> 0 THEN r.usage_amount END AS PricingQuantity,
    CASE WHEN coalesce(r.usage_measure_id, 0) <> 0
        THEN coalesce(u.abbreviation, u.measure_name, CAST(r.usage_measure_id AS VARCHAR)) END AS PricingUnit,
    r.id AS x_RecordId,
    r.bill_detail_type AS x_BillDetailType,
    r.charging_mode AS x_ChargingMode,
    r.association_type AS x_AssociationType,
    r.trade_id AS x_TradeId,
    r.coupon_amount + r.flexipurchase_coupon_amount AS x_CouponAmount,
    CASE WHEN r.indirect_partner_id IS NULL THEN 'Customer' ELSE 'Reseller customer' END AS SubAccountType,
    r.indirect_partner_id AS x_ResellerId,
    p.name AS x_ResellerName,
    p.account_name AS x_ResellerAccountName,
    coalesce(r.indirect_partner_id, r.partner_domain_id) AS x_ParentSubAccountId,
    concat_ws('/', r.partner_domain_id, r.indirect_partner_id, r.customer_id) AS x_SubAccountPath
FROM billing.consumption_records AS r
LEFT JOIN billing.customers AS c ON c.customer_id = r.customer_id
LEFT JOIN billing.indirect_partners AS p
    ON p.indirect_partner_id = r.indirect_partner_id AND p.partner_domain_id = r.partner_domain_id
LEFT JOIN billing.measure_units AS u
    ON u.measure_id = r.usage_measure_id AND u.partner_domain_id = r.partner_domain_id;

COMMENT ON VIEW marts.focus_charges IS 'Consumption as FinOps FOCUS charges with usage units and the reseller above each customer (vendor columns prefixed x_)';
