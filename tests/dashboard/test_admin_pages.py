"""Administration from the dashboard: accounts (create, role, department, password reset,
deactivation), technicians (certifications and their expiry, link codes), products and parts,
contracts — for the roles the permission matrix gives each duty, CSRF on every form."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from backend.catalog.models import Contract, Product
from backend.people.models import StaffUser, Technician
from tests.dashboard.conftest import Browser, csrf_from, text_of


def sign_in(browser: Browser, email: str, password: str) -> int:
    browser.client.post("/logout", data={"csrf_token": browser.token()})
    page = browser.client.get("/login")
    answer = browser.client.post(
        "/login", data={"csrf_token": csrf_from(page.text), "email": email, "password": password}
    )
    return answer.status_code


def switch(browser: Browser, role: str) -> None:
    """Sign out whoever is signed in, then sign in as `role`."""
    assert sign_in(browser, browser.user(role).email, "pw") == 302


def shown_password(page: str) -> str:
    match = re.search(r'<code id="new-password">([^<]+)</code>', page)
    assert match, text_of(page)
    return match.group(1)


def test_admin_creates_a_user_with_role_and_department_who_can_sign_in(
    browser: Browser,
) -> None:
    browser.login("admin")
    page = browser.post(
        "/admin/users",
        {
            "email": "New.Clerk@Example.com",
            "name": "새 직원",
            "role": "hotline_officer",
            "department": "complaint_hotline",
            "password": "correct horse",
        },
    )
    assert page.status_code == 200
    assert shown_password(page.text) == "correct horse"  # the typed one, shown once
    with browser.database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == "new.clerk@example.com"))
        assert user is not None
        assert (user.role, user.department, user.name) == (
            "hotline_officer",
            "complaint_hotline",
            "새 직원",
        )
    assert sign_in(browser, "new.clerk@example.com", "correct horse") == 302


def test_admin_changes_role_resets_the_password_and_deactivates(browser: Browser) -> None:
    clerk = browser.user("warehouse_clerk")
    browser.login("admin")
    browser.post(
        f"/admin/users/{clerk.id}",
        {"name": "창고 담당", "role": "receptionist", "department": "warehouse_transport"},
    )
    page = browser.post(f"/admin/users/{clerk.id}/password")
    password = shown_password(page.text)
    assert len(password) >= 12
    with browser.database.session() as session:
        user = session.get(StaffUser, clerk.id)
        assert user is not None
        assert (user.role, user.department) == ("receptionist", "warehouse_transport")
    assert sign_in(browser, clerk.email, "pw") == 401  # the old password no longer works
    assert sign_in(browser, clerk.email, password) == 302
    switch(browser, "admin")
    browser.post(f"/admin/users/{clerk.id}/active", {"active": "0"})
    assert sign_in(browser, clerk.email, password) == 401
    with browser.database.session() as session:
        user = session.get(StaffUser, clerk.id)
        assert user is not None and not user.active


def test_a_bad_value_comes_back_naming_the_field(browser: Browser) -> None:
    browser.login("admin")
    browser.post("/admin/users", {"email": "x@example.com", "role": "admin", "password": "short"})
    page = browser.get("/admin/users").text
    assert "password" in page and "x@example.com" not in page
    answer = browser.post("/admin/users", {"email": "nobody", "role": "admin"})
    assert answer.status_code == 302
    assert "email" in browser.get("/admin/users").text


def test_admin_cannot_deactivate_themself(browser: Browser) -> None:
    admin = browser.user("admin")
    browser.login("admin")
    browser.post(f"/admin/users/{admin.id}/active", {"active": "0"})
    assert browser.get("/admin/users").status_code == 200


def test_other_roles_get_403_and_forms_need_the_csrf_token(browser: Browser) -> None:
    clerk = browser.user("warehouse_clerk")
    for role in ("repair_manager", "service_director", "receptionist", "vice_president"):
        switch(browser, role)
        assert browser.get("/admin/users").status_code == 403, role
        assert browser.post(f"/admin/users/{clerk.id}/password").status_code == 403, role
    switch(browser, "receptionist")
    assert browser.get("/admin/technicians").status_code == 403
    assert browser.get("/admin/products").status_code == 403
    switch(browser, "admin")
    answer = browser.client.post(f"/admin/users/{clerk.id}/active", data={"active": "0"})
    assert answer.status_code == 400  # no CSRF token


def test_technicians_show_expiring_certifications_and_take_a_link_code(
    browser: Browser,
) -> None:
    people = browser.people
    people.product()
    soon = people.technician(lines={"air_conditioner": date(2026, 12, 10)})  # today 2026-11-25
    gone = people.technician(
        "박지훈", phone="010-2000-0003", lines={"air_conditioner": date(2026, 11, 1)}
    )
    browser.login("admin")
    page = browser.get("/admin/technicians").text
    row = re.search(rf'<tr data-key="{soon}">(.*?)</tr>', page, re.S)
    assert row and 'class="cert expiring"' in row.group(1)
    row = re.search(rf'<tr data-key="{gone}">(.*?)</tr>', page, re.S)
    assert row and 'class="cert expired"' in row.group(1)
    browser.post(
        f"/admin/technicians/{gone}/certifications",
        {"product_line": "air_conditioner", "valid_until": "2028-01-31"},
    )
    with browser.database.session() as session:
        technician = session.get(Technician, gone)
        assert technician is not None
        assert [c.valid_until for c in technician.certifications] == [date(2028, 1, 31)]
    page = browser.post(f"/admin/technicians/{soon}/link-code").text
    assert re.search(r"/link [A-Z0-9]{4}-[A-Z0-9]{4}", page)


def test_admin_adds_a_technician_a_product_a_part_and_a_contract(browser: Browser) -> None:
    browser.people.product()
    browser.login("admin")
    browser.post(
        "/admin/technicians",
        {
            "name": "이서준",
            "phone": "010-2000-0077",
            "zone": "suburb",
            "product_line": "air_conditioner",
            "valid_until": "2027-06-30",
        },
    )
    browser.post(
        "/admin/products",
        {
            "model": "WM-9",
            "name": "세탁기",
            "product_line": "washing_machine",
            "warranty_months": "12",
            "part_code": "DRUM",
            "part_name": "드럼",
            "part_warranty_months": "60",
            "part_price": "150000",
        },
    )
    with browser.database.session() as session:
        product = session.scalar(select(Product).where(Product.model == "WM-9"))
        assert product is not None
        product_id = product.id
    browser.post(
        f"/admin/products/{product_id}/parts",
        {"part_code": "PUMP", "part_name": "펌프", "part_warranty_months": "12", "part_price": "1"},
    )
    browser.post(
        "/admin/contracts",
        {
            "customer_name": "홍길동",
            "customer_phone": "010-3000-0001",
            "model": "WM-9",
            "serial_number": "WM9-1",
            "starts_on": "2026-12-01",
            "ends_on": "2027-11-30",
        },
    )
    with browser.database.session() as session:
        technician = session.scalar(select(Technician).where(Technician.name == "이서준"))
        assert technician is not None and technician.zone == "suburb"
        product = session.get(Product, product_id)
        assert product is not None and [p.code for p in product.parts] == ["DRUM", "PUMP"]
        contract = session.scalar(select(Contract))
        assert contract is not None and contract.ends_on == date(2027, 11, 30)
    page = browser.get("/admin/contracts").text
    assert "WM9-1" in page and "2027-11-30" in page
    assert "PUMP" in browser.get("/admin/products").text
