"""Words on documents in Chinese, English or both, so each customer reads its invoice in its language.

One table, `(English, 中文)` per key: a label is never hard-coded in a renderer, and "both" shows
"中文 English" so a bilingual finance team and an auditor read the same page.
"""

from __future__ import annotations

from collections.abc import Mapping

LABELS: Mapping[str, tuple[str, str]] = {
    "invoice": ("Invoice", "发票"),
    "credit_note": ("Credit note", "贷项通知单"),
    "debit_note": ("Debit note", "借项通知单"),
    "draft": ("DRAFT", "草稿"),
    "issued_status": ("ISSUED", "已开具"),
    "status": ("Status", "状态"),
    "number": ("Number", "编号"),
    "issuer": ("Issuer", "开票方"),
    "customer": ("Customer", "客户"),
    "customer_id": ("Customer ID", "客户ID"),
    "address": ("Address", "地址"),
    "tax_id": ("Tax ID", "纳税人识别号"),
    "bank": ("Bank account", "开户行及账号"),
    "billing_month": ("Billing month (Beijing)", "账期（北京时间）"),
    "issue_date": ("Issue date (Beijing)", "开具日期（北京时间）"),
    "due_date": ("Due date (Beijing)", "付款截止日（北京时间）"),
    "payment_terms": ("Payment terms", "付款条件"),
    "terms_days": ("{days} days net from the issue date", "开具之日起{days}天内付款"),
    "due_on_issue": ("due {days} days after issue", "开具后{days}天到期"),
    "price_basis": ("Your prices", "价格说明"),
    "basis_discount": ("Huawei Cloud prices less a {percent} discount", "华为云价格基础上优惠{percent}"),
    "basis_markup": (
        "Huawei Cloud prices plus a {percent} service fee",
        "华为云价格基础上加收{percent}服务费",
    ),
    "mode_other": ("Other", "其他"),
    "subtotal": ("Subtotal", "小计"),
    "corrects": ("Corrects", "更正"),
    "service": ("Service", "服务"),
    "list_amount": ("List", "官网价"),
    "discount_amount": ("Discount", "折扣"),
    "coupon_amount": ("Coupons", "代金券"),
    "net_amount": ("Net", "应付净额"),
    "adjustment_amount": ("Adjustment", "调整"),
    "amount_due": ("Price", "价格"),
    "tax_rate": ("VAT rate", "税率"),
    "net_of_tax_amount": ("Excl. VAT", "不含税金额"),
    "tax_amount": ("VAT", "税额"),
    "gross_amount": ("Incl. VAT", "价税合计"),
    "cash_amount": ("Cash", "现金"),
    "credit_amount": ("Credit", "信用额度"),
    "total": ("Total", "合计"),
    "total_due": ("Total due", "应付总额"),
    "total_refund": ("Total credited", "退还总额"),
    "funding": ("Paid with (Huawei Cloud)", "华为云支付方式"),
    "prices_incl": ("Prices include VAT.", "价格含增值税。"),
    "prices_excl": ("Prices exclude VAT; VAT is added per line.", "价格不含增值税，按行计税。"),
    "rounding": (
        "Each line is the exact sum of the month's fee records rounded half-up to 0.01; VAT per line rounded "
        "half-up; totals are sums of the lines.",
        "每行为当月费用记录的精确合计按四舍五入保留两位小数；税额按行四舍五入；合计为各行之和。",
    ),
    "currency": ("Currency", "币种"),
}


def label(key: str, lang: str, **values: object) -> str:
    """The label in `lang` ("zh", "en" or "both"), placeholders filled."""
    en, zh = LABELS[key]
    en, zh = en.format(**values), zh.format(**values)
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh} {en}"
