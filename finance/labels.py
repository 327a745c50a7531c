"""Words on documents and reports in Chinese, English or both, so each reader reads its own language.

Two tables, `(English, 中文)` per key: `LABELS` for invoices (`label`), `REPORT_WORDS` for the reconciliation
report's HTML and XLSX (`word`). A word is never hard-coded in a renderer, and "both" shows "中文 English" so
a bilingual finance team and an auditor read the same page.
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
    "settlement": ("Settlement", "结算方式"),
    "settlement_credit": ("set off against the next invoice, or refunded on request",
                          "冲抵下期发票，或应要求退款"),
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


def _pick(pair: tuple[str, str], lang: str, values: Mapping[str, object]) -> str:
    en, zh = pair[0].format(**values), pair[1].format(**values)
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh} {en}"


def label(key: str, lang: str, **values: object) -> str:
    """A document label in `lang` ("zh", "en" or "both"), placeholders filled."""
    return _pick(LABELS[key], lang, values)


def word(key: str, lang: str, **values: object) -> str:
    """A report word in `lang` ("zh", "en" or "both"); a key without a translation (a code) as it is."""
    pair = REPORT_WORDS.get(key)
    return key if pair is None else _pick(pair, lang, values)


REPORT_WORDS: Mapping[str, tuple[str, str]] = {
    # headings
    "title": ("Reconciliation {month}", "对账 {month}"),
    "heading": ("Reconciliation of {month}", "{month} 对账报告"),
    "run_line": (
        "Run {run_id} · generated {generated_at} UTC · rules {rules} · tolerance {tolerance} CNY",
        "运行 {run_id} · 生成于 {generated_at} UTC · 规则 {rules} · 容差 {tolerance} 元",
    ),
    "totals": ("Key totals", "关键合计"),
    "per_rule": ("Findings per rule", "各规则核对结果"),
    "charts": ("Charts", "图表"),
    "unexplained": ("Unexplained findings", "未解释的差异"),
    "drilldown": ("R2 drill-down: days that differ", "R2 下钻：存在差异的日期"),
    "settings": ("Settings of this run", "本次运行的设置"),
    "settings_note": (
        "Every rule except R5 is inferred from the API documentation; these are the choices this run made.",
        "除 R5 外，各规则均由 API 文档推断；以下为本次运行所用的设置。",
    ),
    "mom": ("Month over month per customer", "客户环比"),
    "mom_none": (
        "No fee records of {previous} in the warehouse: nothing to compare with.",
        "仓库中没有 {previous} 的费用记录，无法环比。",
    ),
    "mom_note": (
        "Payable amount per service, {previous} vs {month} (Beijing billing months).",
        "各服务应付金额，{previous} 对比 {month}（北京时间账期）。",
    ),
    "none": ("none", "无"),
    "no_data": ("no data", "无数据"),
    # verdicts
    "verdict_no_data": (
        "No data for {month}: no consumption records, bills, account transactions or incentives are loaded "
        "for it. Load the month first (pbw backfill), then reconcile again.",
        "{month} 没有数据：该月未加载任何费用记录、账单、收支明细或激励。"
        "请先加载该月（pbw backfill），再重新对账。",
    ),
    "verdict_nothing": (
        "Nothing to compare for {month}: the rules that ran found no rows on either side. Check the rules of "
        "this run and the loaded datasets.",
        "{month} 没有可比较的数据：所运行的规则在两侧均未找到记录。请检查本次运行的规则和已加载的数据集。",
    ),
    "verdict_bad": ("{n} unexplained finding(s) need a look.", "{n} 条未解释的差异需要核查。"),
    "verdict_ok": ("Everything matched or is within tolerance.", "全部一致或在容差范围内。"),
    "pending": (
        "Incentives pending: {n} incentive bill(s) with CNY {amount} due are not paid yet (no matching "
        "rebate top-up).",
        "激励待支付：{n} 张激励账单共 {amount} 元应付，尚未支付（没有匹配的返利充值）。",
    ),
    # key totals
    "total_resale": ("Consumption, resale (fee records)", "消费，转售（费用记录）"),
    "total_referral": ("Consumption, referral (fee records)", "消费，推荐（费用记录）"),
    "total_bill": ("Monthly bill, resale (monthly-sum)", "月度账单，转售（月度汇总）"),
    "total_r1": ("R1 difference, detail - bill", "R1 差额，明细 - 账单"),
    "total_incentives_due": ("Incentives due", "应付激励"),
    "total_incentives_paid": ("Incentives paid (matched top-ups)", "已付激励（已匹配的充值）"),
    # statuses and kinds
    "matched": ("matched", "一致"),
    "within_tolerance": ("within tolerance", "在容差内"),
    "mismatched": ("mismatched", "不一致"),
    "missing_left": ("missing left", "左侧缺失"),
    "missing_right": ("missing right", "右侧缺失"),
    "detail_vs_bill": ("detail vs bill", "明细对账单"),
    "bill_vs_transactions": ("bill vs transactions", "账单对收支"),
    "incentive_base": ("incentive base", "激励基数"),
    "incentive_amount": ("incentive amount", "激励金额"),
    "incentive_payment": ("incentive payment", "激励支付"),
    "payout_vs_topup": ("payout application vs rebate top-up", "申付对返利充值"),
    "sweep_count": ("sweep count", "拉取条数"),
    "duplicate_id": ("duplicate id", "重复ID"),
    "customer_without_records": ("customer without records", "客户无记录"),
    # table headers and XLSX columns
    "rule": ("Rule", "规则"),
    "kind": ("Kind", "类型"),
    "keys": ("Keys", "键"),
    "left_amount": ("Left", "左侧"),
    "right_amount": ("Right", "右侧"),
    "difference": ("Difference", "差额"),
    "status": ("Status", "状态"),
    "detail": ("Detail", "说明"),
    "balance_type": ("Balance type", "余额类型"),
    "day": ("Day", "日期"),
    "funded": ("Consumption funded", "消费支出"),
    "paid": ("Paid", "已付"),
    "cycle": ("Cycle", "账期"),
    "customer_id": ("Customer ID", "客户ID"),
    "customer_name": ("Customer", "客户"),
    "charging_mode": ("Charging mode", "计费模式"),
    "incentive_data_id": ("Incentive record", "激励记录"),
    "incentive_bill_id": ("Incentive bill", "激励账单"),
    "dataset": ("Dataset", "数据集"),
    "record_key": ("Record key", "记录键"),
    "summary": ("summary", "汇总"),
    "item": ("Item", "项目"),
    "month": ("Month", "账期"),
    "run_id": ("Run", "运行"),
    "verdict": ("Verdict", "结论"),
    # charts
    "chart_daily": ("Daily consumption (payable, CNY)", "每日消费（应付，元）"),
    "chart_variance": ("R1 variance by customer (detail - bill)", "各客户 R1 差额（明细 - 账单）"),
    "chart_top": ("Top {n} findings by difference", "差额最大的 {n} 条差异"),
    "chart_incentives": ("Incentives due vs paid", "应付激励与已付激励"),
    "resale": ("resale", "转售"),
    "referral": ("referral", "推荐"),
    "due": ("due", "应付"),
    # month over month
    "service": ("Service", "服务"),
    "previous": ("Previous", "上月"),
    "current": ("This month", "本月"),
    "change": ("Change", "变化"),
    "trend": ("Trend", "趋势"),
    "grew": ("grew", "增长"),
    "shrank": ("shrank", "下降"),
    "started": ("started", "新增"),
    "stopped": ("stopped", "停止"),
    "unchanged": ("unchanged", "持平"),
    "setting": ("Setting", "设置项"),
    "value": ("Value", "值"),
}
