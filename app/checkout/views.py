"""Cart pages under the storefront prefix (``/<org>/<market>/<locale>/cart``).

Each mutation answers htmx with a fragment plus an ``HX-Trigger: {"cart-changed": {"count": N}}``
event (the header badge listens for it) and plain forms with a 303 to the cart page and a flash,
so everything works without JavaScript. Bad input re-renders with a message (422), never a 500.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in
from werkzeug.routing import BuildError
from wtforms.fields import SelectChoice

from app.accounts.email_links import email_links
from app.accounts.forms import LoginForm
from app.accounts.models import UserProfile
from app.accounts.services import WeakPasswordError, main_profile, register_and_authenticate
from app.accounts.signin import request_user, sign_in
from app.checkout import cart as carts
from app.checkout import checkout_html
from app.checkout import services as checkout
from app.checkout.checkout_html import checkout_body, checkout_summary
from app.checkout.forms import (
    AddToCartForm,
    CheckoutAccountForm,
    CheckoutForm,
    QuantityForm,
    RemoveForm,
    first_error,
)
from app.db import READ_ONLY_METHODS, write_transaction
from app.errors import DomainError
from app.extensions import db, limiter
from app.markets.layout_html import provide as provide_header_part
from app.orders.services import mark_paid
from app.orgs.current import UNKNOWN, add_member_column, member_value, request_member
from app.payments.providers import get_provider
from app.platform.email import send_soon
from app.web.htmx import fragment, is_htmx, redirect, render
from app.web.labels import country_name

bp = Blueprint("checkout", __name__)
bp.add_app_template_global(checkout_body, "checkout_body")
bp.add_app_template_global(checkout_summary, "checkout_summary")

NOT_SELLING = _l("This store cannot take orders yet: it has no country to sell to. Please come back later.")

CART_PAGE = "checkout/cart.html"
CART_REGION = "checkout/_cart.html"
BADGE = "layouts/_cart_badge.html"
# The checkout page's endpoint (relative to this blueprint): the cart page links to it once it exists.
CHECKOUT_ENDPOINT = ".checkout_page"


# ---- the current cart -----------------------------------------------------------------------

@user_logged_in.connect
def merge_carts_at_login(_app, user, **_extra) -> None:
    """At login (flask_login's ``user_logged_in``, sent by the login view, which then commits): the
    visitor's session carts move into the member carts of the orgs the user belongs to."""
    carts.merge_session_cart(user, session)


def current_member():
    """The logged-in user's membership in the storefront's org (read once per request, with the
    count of their cart: ``request_member``)."""
    user = request_user()
    if not user.is_authenticated:
        return None
    return request_member(g.storefront.org_id, user)


def _storefront_market_id() -> dict:
    storefront = g.get("storefront")
    return {"market_id": storefront.market_id if storefront is not None else None}


# The header badge's count is read with the membership (one statement for both).
add_member_column("cart_count", lambda member_id: carts.cart_count_of(member_id).scalar_subquery(),
                  _storefront_market_id)
# The checkout's default billing name: the main profile's name, a column of the profile the
# membership statement reads from (no statement of its own on the checkout page).
add_member_column("profile_display_name", lambda _member_id: UserProfile.display_name, dict)


def _current_cart() -> carts.Cart:
    """The member cart for members, else the session cart. A member who still has a session cart
    in this market (they became a member after logging in) gets it merged in here; the view commits."""
    storefront = g.storefront
    member = current_member()
    if member is None:
        return carts.session_cart(session, org_id=storefront.org_id, market_id=storefront.market_id)
    leftovers = carts.session_cart(session, org_id=storefront.org_id, market_id=storefront.market_id)
    if not leftovers.items:
        return carts.member_cart(member, storefront.market_id)
    if request.method in READ_ONLY_METHODS:
        # A GET writes in a short transaction of its own, before the page's reads (on SQLite it
        # takes the write lock up front instead of failing to upgrade a read lock).
        with write_transaction(db.session):
            carts.merge_items(carts.member_cart(member, storefront.market_id), leftovers.items)
        _forget(leftovers)
        return carts.member_cart(member, storefront.market_id)
    cart = carts.member_cart(member, storefront.market_id)
    carts.merge_items(cart, leftovers.items)
    _forget(leftovers)
    g.cart_merged = True  # the view commits it
    return cart


def _forget(leftovers: carts.SessionCart) -> None:
    """Empty the session cart (its items moved into the member cart)."""
    leftovers.items.clear()
    carts.write_session_cart(session, leftovers)


def _save(cart: carts.Cart) -> None:
    """Commit the member cart or write the session cart back (the one write of the request)."""
    if isinstance(cart, carts.SessionCart):
        carts.write_session_cart(session, cart)
    db.session.commit()


def _cart_changed(cart: carts.Cart) -> dict:
    return {"cart-changed": {"count": carts.count(cart)}}


def _billing_country() -> str | None:
    """The country to estimate tax for on the cart page: the member's billing country, else the
    market's only country. The checkout page asks for it."""
    storefront = g.storefront
    member = current_member()
    country = member.billing_country_code if member is not None else None
    if country and country in storefront.country_codes:
        return country
    if len(storefront.country_codes) == 1:
        return storefront.country_codes[0]
    return None


def _checkout_url() -> str | None:
    """The checkout page, when it exists and the market can take orders."""
    if not g.storefront.takes_orders:
        return None
    try:
        return url_for(CHECKOUT_ENDPOINT)
    except BuildError:
        return None


def _render_cart(cart: carts.Cart, *, status: int = 200, error: str | None = None,
                 line_errors: dict[str, str] | None = None, notice: str | None = None,
                 trigger: dict | None = None):
    contents = carts.load_cart(g.storefront, cart, g.content_chain)
    g.cart_count = contents.count  # the header badge of this page
    country = _billing_country()
    quote = carts.quote_cart(g.storefront, contents, billing_country=country)
    return render(
        CART_PAGE, CART_REGION, status=status, trigger=trigger,
        cart=contents, quote=quote, priced={line.input.plan_id: line for line in quote.lines},
        billing_country=country, error=error, line_errors=line_errors or {}, notice=notice,
        checkout_url=_checkout_url(), max_quantity=carts.MAX_QUANTITY,
        closed=None if g.storefront.takes_orders else NOT_SELLING,
    )


# ---- pages -----------------------------------------------------------------------------------

@bp.get("/cart")
def cart():
    return _render_cart(_current_cart())


@bp.get("/cart/badge")
def badge():
    """The header badge alone (htmx refreshes it on the ``cart-changed`` event)."""
    return render(BADGE)


@bp.post("/cart/items")
def add_item():
    form = AddToCartForm()
    current = _current_cart()
    result, error, status = None, None, 422
    if not form.validate_on_submit():
        error = first_error(form)
    else:
        try:
            result = carts.add_item(current, form.plan_id.data, form.quantity.data or 1, chain=g.content_chain)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    trigger = _cart_changed(current) if result is not None else None  # counted before the commit expires the cart
    _save(current)  # services check before they write: after an error only a merged leftover cart is saved
    if result is None:
        if is_htmx():
            return fragment(checkout_html.added(error=error), status=status)
        return _render_cart(current, status=status, error=error)
    name = f"{result.product_name} · {result.plan_name}"
    if result.already_in_cart:
        message = _("%(name)s is already in your cart.", name=name)
    else:
        message = _("Added %(name)s to your cart.", name=name)
    if is_htmx():
        return fragment(checkout_html.added(message=message), trigger=trigger)
    flash(message, "info" if result.already_in_cart else "success")
    return redirect(url_for(".cart"))


@bp.post("/cart/items/<plan_id>")
def update_item(plan_id: str):
    form = QuantityForm()
    current = _current_cart()
    error, status = None, 422
    if not form.validate_on_submit():
        error = first_error(form)
    else:
        try:
            carts.set_quantity(current, plan_id, form.quantity.data)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    _save(current)
    if error is not None:
        in_cart = plan_id in carts.quantities(current)
        return _render_cart(current, status=status, line_errors={plan_id: error} if in_cart else None,
                            error=None if in_cart else error)
    return _changed(current, _("Your cart was updated."))


@bp.post("/cart/items/<plan_id>/delete")
def remove_item(plan_id: str):
    form = RemoveForm()
    current = _current_cart()
    valid = form.validate_on_submit()  # only fails without a valid CSRF token (when CSRF is on)
    if valid:
        carts.remove_item(current, plan_id)
    _save(current)
    if not valid:
        return _render_cart(current, status=400, error=first_error(form))
    return _changed(current, _("The item was removed from your cart."))


def _changed(current: carts.Cart, message: str):
    """After a change on the cart page: the cart region with the event for htmx, else a 303."""
    if is_htmx():
        return _render_cart(current, notice=message, trigger=_cart_changed(current))
    flash(message, "success")
    return redirect(url_for(".cart"))


# ---- the header badge on every storefront page -------------------------------------------------

def cart_count() -> int:
    """Items in the current cart, for the header badge. Reads only: a visitor's count comes from
    the session (no query), a member's from one query; computed once per request."""
    request_g = g._get_current_object()  # one lookup through the proxy
    storefront = request_g.__dict__.get("storefront")
    if storefront is None:
        return 0
    count = request_g.__dict__.get("cart_count")
    if count is None:
        member = current_member()
        if member is None:
            count = carts.count(carts.session_cart(session, org_id=storefront.org_id, market_id=storefront.market_id))
        else:
            count = _prefetched_count(member)
            if count is None:
                count = carts.member_cart_count(member, storefront.market_id)
        request_g.cart_count = count
    return count


provide_header_part("cart_count", cart_count)


def _prefetched_count(member) -> int | None:
    """The count read with the membership at the start of a GET (``current_member``). Requests that
    change the cart are POSTs, and the GET pages that merge a leftover cart set ``g.cart_count``
    themselves: a GET's early count is the count when the page renders."""
    if request.method not in READ_ONLY_METHODS:
        return None
    count = member_value(g.storefront.org_id, request_user().id, "cart_count", UNKNOWN)
    if count is UNKNOWN:
        return None
    return int(count or 0)


# ---- checkout --------------------------------------------------------------------------------

CHECKOUT_PAGE = "checkout/checkout.html"
SUMMARY = "checkout/_summary.html"


def _checkout_form(contents) -> CheckoutForm:
    storefront = g.storefront
    form = CheckoutForm()
    form.billing_country.choices = [SelectChoice(code, country_name(code)) for code in storefront.country_codes]
    if request.method == "GET":
        member = current_member()
        name = member_value(storefront.org_id, current_user.id, "profile_display_name", UNKNOWN)
        form.billing_name.data = main_profile(current_user).display_name if name is UNKNOWN or name is None else name
        form.billing_email.data = current_user.email
        form.billing_country.data = _default_country(member)
        form.submission.data = uuid.uuid4().hex
    return form


def _default_country(member) -> str:
    """The member's billing country, else the visitor's (CDN header), else the market country that
    speaks the page's language (de -> DE before AT), else the market's first country."""
    storefront = g.storefront
    codes = storefront.country_codes
    header = (request.headers.get(current_app.config.get("COUNTRY_HEADER") or "", "") or "").strip().upper()
    for candidate in (member.billing_country_code if member is not None else None, header):
        if candidate in codes:
            return candidate
    speaking = [code for code in codes if storefront.country_overrides.get(code) == g.locale]
    language = g.locale.split("-")[0].upper()
    if language in speaking or language in codes:
        return language
    return speaking[0] if speaking else codes[0]


def _render_checkout(form, contents, priced, *, status=200, error=None):
    return render(CHECKOUT_PAGE, SUMMARY, status=status, form=form, cart=contents, quote=priced.quote,
                  priced=priced, error=error)


ACCOUNT_STEP = "checkout/account_step.html"
ACCOUNT_PREFIX = "new"  # the sign-up fields beside the log-in form's own (distinct names and ids)


def _account_step(account_form=None, login_form=None, *, status=200):
    """A visitor's checkout begins with the account, on the same page as their cart: create one
    (name, email, password) or log in; both come back to the checkout."""
    contents = carts.load_cart(g.storefront, _current_cart(), g.content_chain)
    if not contents.available:
        flash(_("Your cart is empty."), "warning")
        return redirect(url_for(".cart"))
    login_form = login_form or LoginForm(formdata=None, next=url_for(".checkout_page"))
    return render(ACCOUNT_STEP, status=status, cart=contents, account_form=account_form or CheckoutAccountForm(formdata=None, prefix=ACCOUNT_PREFIX),
                  login_form=login_form)


@bp.post("/checkout/account")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
def checkout_account():
    """Create the buyer's account inside the checkout and go on to the billing details."""
    if current_user.is_authenticated:
        return redirect(url_for(".checkout_page"))
    form = CheckoutAccountForm(prefix=ACCOUNT_PREFIX)
    if not form.validate():
        return _account_step(form, status=422)
    try:
        user = register_and_authenticate(form.email.data, form.password.data, form.display_name.data,
                                         links=email_links())
    except WeakPasswordError as exc:
        form.password.errors.append(exc.message)
        return _account_step(form, status=422)
    except DomainError as exc:
        form.email.errors.append(exc.message)
        return _account_step(form, status=422)
    if user is None:
        db.session.commit()  # the email to the address's owner
        send_soon()
        form.email.errors.append(_("This email already has an account. Log in with its password below, or reset "
                                   "the password if you forgot it."))
        login = LoginForm(formdata=None, email=form.email.data, next=url_for(".checkout_page"))
        return _account_step(form, login, status=422)
    sign_in(user)  # moves this visitor's cart into the new member's
    db.session.commit()
    send_soon()  # the address's confirmation
    flash(_("Your account is ready. We sent an email to confirm your address."), "success")
    return redirect(url_for(".checkout_page"), 303)


@bp.route("/checkout", methods=["GET", "POST"])
def checkout_page():
    if not current_user.is_authenticated:
        return _account_step()
    if not g.storefront.takes_orders:
        flash(str(NOT_SELLING), "warning")
        return redirect(url_for(".cart"))
    current = _current_cart()
    contents = carts.load_cart(g.storefront, current, g.content_chain)
    if not contents.available:
        flash(_("Your cart is empty."), "warning")
        return redirect(url_for(".cart"))
    g.cart_count = contents.count  # the header badge of this page
    form = _checkout_form(contents)
    # The fingerprint of the cart the buyer saw (posted back from the order summary), and the one
    # of the summary rendered now, which carries it in a hidden field (htmx swaps them together).
    seen, current_fingerprint = form.cart_fingerprint.data, checkout.fingerprint(contents)
    form.cart_fingerprint.data = current_fingerprint
    country = form.billing_country.data if form.billing_country.data in g.storefront.country_codes \
        else g.storefront.country_codes[0]
    placing = request.method == "POST" and request.form.get("action") == "place"
    priced = checkout.price(g.storefront, contents, billing_country=country,
                            discount_code=(form.discount_code.data or "").strip(),
                            gift_card_text=form.gift_card_codes.data, user=current_user, placing=placing)
    if not placing:
        if g.get("cart_merged"):
            db.session.commit()
        return _render_checkout(form, contents, priced)
    # Placing the order.
    done = session.get("placed_checkouts", {})
    if form.submission.data and form.submission.data in done:  # the pay button pressed twice
        return redirect(url_for("store.orders.detail", number=done[form.submission.data]))
    if not form.validate():
        return _render_checkout(form, contents, priced, status=422)
    # Missing or empty counts as stale: the buyer must have seen the total they are paying.
    if not seen or seen != current_fingerprint:
        return _render_checkout(form, contents, priced, status=409, error=_(
            "Your cart or its prices changed since this page was loaded. Check the new total and place the order again."))
    address = {"line1": form.address_line1.data, "postal_code": form.postal_code.data, "city": form.city.data}
    address = {k: v.strip() for k, v in address.items() if v and v.strip()}
    provider = get_provider()
    try:
        order = checkout.place(g.storefront, current_user, current, contents, priced,
                               billing_name=form.billing_name.data.strip(), billing_email=form.billing_email.data,
                               billing_country=country, address=address, locale_key=g.locale, provider=provider.name,
                               member=current_member())
        if order.amount_due == 0:
            mark_paid(order, provider="gift_card")
    except DomainError as exc:
        db.session.rollback()
        return _render_checkout(form, contents, priced, status=exc.status_code, error=exc.message)
    number, paid_in_full = order.order_number, order.amount_due == 0  # read before the commit expires them
    _save(current)
    done[form.submission.data] = number
    session["placed_checkouts"] = dict(list(done.items())[-10:])
    if paid_in_full:
        flash(_("Your gift card paid for the whole order. Thank you!"), "success")
        return redirect(url_for("store.orders.detail", number=number))
    # The order is committed before any network call to the payment provider.
    result = provider.start_payment(
        order,
        success_url=url_for("store.orders.detail", number=number, _external=True),
        cancel_url=url_for(".checkout_page", _external=True),
        manual_url=url_for("store.orders.pay", number=number),
    )
    if result.reference:
        order.provider_session_id = result.reference
        db.session.commit()
    return redirect(result.redirect_url)
