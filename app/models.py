"""Imports every feature's models so metadata (and Alembic autogenerate) sees all tables."""

from app.accounting import models as accounting  # noqa: F401
from app.accounts import models as accounts  # noqa: F401
from app.catalog import models as catalog  # noqa: F401
from app.checkout import models as checkout  # noqa: F401
from app.courses import models as courses  # noqa: F401
from app.entitlements import models as entitlements  # noqa: F401
from app.giftcards import models as giftcards  # noqa: F401
from app.learn import models as learn  # noqa: F401
from app.markets import models as markets  # noqa: F401
from app.orders import models as orders  # noqa: F401
from app.orgs import models as orgs  # noqa: F401
from app.payments import models as payments  # noqa: F401
from app.platform import images as platform_images  # noqa: F401
from app.platform import models as platform  # noqa: F401
from app.revenue import models as revenue  # noqa: F401
from app.tax import models as tax  # noqa: F401
