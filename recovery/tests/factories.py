import factory

from businesses.tests.factories import BusinessFactory, VerifiedBusinessFactory  # noqa: F401 - re-exported
from recovery.models import MonthlyReport, OperatingStatus, RawMaterialAccess, ReportStatus
from recovery.selectors import period_default


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyReport

    business = factory.SubFactory(VerifiedBusinessFactory)
    period = factory.LazyFunction(period_default)
    turnover = 12_000_000
    workers_male = 2
    workers_female = 3
    online_share = 20
    operating_status = OperatingStatus.NORMAL
    raw_materials = RawMaterialAccess.NORMAL
    channel_shop = True
    market_city = True
    status = ReportStatus.SUBMITTED


class NoActivityReportFactory(MonthlyReportFactory):
    no_activity = True
    turnover = None
    workers_male = None
    workers_female = None
    online_share = None
    operating_status = ""
    raw_materials = ""
