"""Answers of retailCRM API v5 shaped exactly as the official clients capture them.

Written for crmdeploy's contract suite (trimmed, not copied whole); each one names the file whose
fixture it follows. PHP = retailcrm/api-client-php (master, 8946611), GO = retailcrm/api-client-go.
The PHP fixtures of references, custom fields and users were captured from a real test account
(the `dict-*-1571123798` items are what the legacy client's live tests created).
"""

from __future__ import annotations

from typing import Any

PAGE_1 = {"limit": 100, "totalCount": 0, "currentPage": 1, "totalPageCount": 1}


def paged(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"success": True, "pagination": {**PAGE_1, "totalCount": len(items)}, key: items}


# PHP tests/src/ResourceGroup/ApiTest.php::testCredentials (+ src/Model/Response/Api/Credentials.php:
# `sitesAvailable`); GO response.go CredentialResponse.
CREDENTIALS = {"success": True, "scopes": ["order_read", "customer_read", "reference_read"],
               "credentials": ["/api/integration-modules/{code}", "/api/integration-modules/{code}/edit"],
               "siteAccess": "access_full", "sitesAvailable": []}

# PHP tests/src/ResourceGroup/ReferencesTest.php::testStatuses — a numeric code, an inactive item.
STATUSES = {"success": True, "statuses": {
    "3": {"name": "3", "code": "3", "active": True, "ordering": 990, "group": "complete"},
    "new": {"name": "Новый", "code": "new", "active": True, "ordering": 10, "group": "new"},
    "dict-statuses-1571123798": {"name": "Bbbdict-statuses-1571123798", "code": "dict-statuses-1571123798",
                                 "active": False, "ordering": 990, "group": "new"}}}

# PHP ReferencesTest.php::testStatusGroups — `process` and the member `statuses`.
STATUS_GROUPS = {"success": True, "statusGroups": {
    "new": {"name": "Новый", "code": "new", "active": True, "ordering": 10, "process": False,
            "statuses": ["new", "dict-statuses-1571123798"]},
    "approval": {"name": "Согласование", "code": "approval", "active": True, "ordering": 20, "process": True,
                 "statuses": ["availability-confirmed", "offer-analog", "client-confirmed", "prepayed"]}}}

# PHP ReferencesTest.php::testPaymentStatuses — inactive, `paymentTypes`.
PAYMENT_STATUSES = {"success": True, "paymentStatuses": {
    "dict-paymentstatuses-1571123793": {"name": "Bbbdict-paymentstatuses-1571123793",
                                        "code": "dict-paymentstatuses-1571123793", "active": False,
                                        "defaultForCrm": False, "defaultForApi": False, "paymentComplete": False,
                                        "ordering": 990, "paymentTypes": ["cash"]}}}

# PHP ReferencesTest.php::testPaymentTypes — numeric codes, an empty description, `integrationModule`
# (an object), `deliveryTypes`, `paymentStatuses`, `sites`.
PAYMENT_TYPES = {"success": True, "paymentTypes": {
    "7": {"name": "7", "code": "7", "active": True, "defaultForCrm": False, "defaultForApi": False,
          "deliveryTypes": ["2", "ozon-seller"], "paymentStatuses": [], "sites": ["site1"]},
    "12": {"name": "Безналичный расчет", "code": "12", "active": True, "defaultForCrm": False,
           "defaultForApi": False, "description": "", "deliveryTypes": ["3"], "paymentStatuses": []},
    "test-payment-integration": {"name": "Test Integration Payment", "code": "test-payment-integration",
                                 "active": True, "defaultForCrm": False, "defaultForApi": False,
                                 "deliveryTypes": [], "paymentStatuses": ["invoice", "paid"],
                                 "integrationModule": {"active": True, "name": "Wallet One",
                                                       "logo": "http://argo.inet-cool.ru/img/w1.svg"},
                                 "sites": []}}}

# PHP ReferencesTest.php::testDeliveryTypes — cost flags, `deliveryPaymentTypes`, `sites`; and an
# integration-backed type with `integrationCode` (retailcrm-api.md §4).
DELIVERY_TYPES = {"success": True, "deliveryTypes": {
    "2": {"isDynamicCostCalculation": False, "isAutoCostCalculation": False, "isAutoNetCostCalculation": False,
          "isCostDependsOnRegionAndWeightAndSum": False, "isCostDependsOnDateTime": False, "currency": "RUB",
          "name": "Доставка курьером", "code": "2", "active": True, "defaultCost": 500, "defaultNetCost": 0,
          "description": "Доставка осуществляется в течение дня в удобное для вас время.",
          "paymentTypes": ["7", "bank-card", "cash"], "deliveryServices": [], "defaultForCrm": False,
          "deliveryPaymentTypes": [{"code": "p_type1", "cod": True}, {"code": "p_type2", "cod": False}],
          "sites": ["site1"]},
    "courierist": {"isDynamicCostCalculation": True, "currency": "RUB", "name": "Courierist", "code": "courierist",
                   "active": False, "defaultCost": 0, "defaultNetCost": 0, "paymentTypes": [],
                   "integrationCode": "courierist-24", "deliveryServices": ["avia", "land"],
                   "defaultForCrm": False, "deliveryPaymentTypes": [], "sites": []}}}

# PHP ReferencesTest.php::testProductStatuses — `createdAt`, numeric codes, inactive.
PRODUCT_STATUSES = {"success": True, "productStatuses": {
    "1": {"code": "1", "ordering": 140, "active": True, "createdAt": "2019-02-07 16:55:29", "cancelStatus": False,
          "name": "1"},
    "4": {"code": "4", "ordering": 270, "active": False, "createdAt": "2019-10-01 11:24:08", "cancelStatus": False,
          "name": "4"},
    "otmena": {"code": "otmena", "ordering": 360, "active": True, "createdAt": "2020-01-14 11:34:24",
               "cancelStatus": True, "name": "otmena"}}}

# PHP ReferencesTest.php::testOrderTypes
ORDER_TYPES = {"success": True, "orderTypes": {
    "1": {"name": "1", "code": "1", "active": True, "defaultForCrm": False, "defaultForApi": False, "ordering": 990},
    "eshop-individual": {"name": "Физическое лицо", "code": "eshop-individual", "active": True,
                         "defaultForCrm": True, "defaultForApi": False, "ordering": 990}}}

# PHP ReferencesTest.php::testOrderMethods — `isFromPos`.
ORDER_METHODS = {"success": True, "orderMethods": {
    "2": {"name": "2", "code": "2", "active": True, "defaultForCrm": False, "defaultForApi": False, "isFromPos": False},
    "phone": {"name": "По телефону", "code": "phone", "active": True, "defaultForCrm": True, "defaultForApi": False,
              "isFromPos": False}}}

# PHP tests/src/ResourceGroup/CustomFieldsTest.php::testList — `default` as a number on a dictionary
# field with `defaultTyped` its code; a multiselect's `defaultTyped` a list; `inGroupActions`.
# The same code on a second entity (`bonus`): the real API keys a field by entity and code.
CUSTOM_FIELDS = paged("customFields", [
    {"name": "бонус", "code": "bonus", "required": False, "inFilter": True, "inList": True, "inGroupActions": False,
     "type": "string", "entity": "order", "ordering": 50, "displayArea": "customer", "viewMode": "editable"},
    {"name": "бонус клиента", "code": "bonus", "required": False, "inFilter": True, "inList": True,
     "inGroupActions": False, "type": "string", "entity": "customer", "ordering": 50, "viewMode": "editable"},
    {"name": "мультисправочник", "code": "multi-dictionary", "required": False, "inFilter": True, "inList": True,
     "inGroupActions": False, "type": "multiselect_dictionary", "entity": "order", "ordering": 50,
     "displayArea": "customer", "viewMode": "editable", "dictionary": "test_dictionary",
     "defaultTyped": ["test1", "test2"]},
    {"name": "справочник", "code": "dictionary", "required": False, "inFilter": True, "inList": True,
     "inGroupActions": False, "type": "dictionary", "entity": "order", "ordering": 50, "displayArea": "customer",
     "viewMode": "editable", "dictionary": "test_dictionary", "default": 1, "defaultTyped": "test1"},
])

# PHP CustomFieldsTest.php::testGet — a boolean field: `default` the string "false", `defaultTyped` false.
CUSTOM_FIELD_GALKA = {"success": True, "customField": {
    "name": "testGalka", "code": "galka", "required": False, "inFilter": True, "inList": True,
    "inGroupActions": False, "type": "boolean", "entity": "order", "default": "false", "ordering": 50,
    "displayArea": "customer", "viewMode": "editable", "defaultTyped": False}}

# PHP CustomFieldsTest.php::testDictionaries
DICTIONARIES = paged("customDictionaries", [
    {"name": "test22", "code": "test22", "elements": [{"name": "09:00 - 12:00", "code": "test", "ordering": 10},
                                                     {"name": "13:00 - 15:00", "code": "test2", "ordering": 20}]},
    {"name": "test_dictionary", "code": "test_dictionary", "elements": [{"name": "1", "code": "test1", "ordering": 10},
                                                                       {"name": "2", "code": "test2", "ordering": 20}]},
])

# PHP tests/src/ResourceGroup/UsersTest.php::testList — `status`, `online`, `mgUserId`, groups as objects.
USERS = paged("users", [
    {"id": 28, "createdAt": "2020-05-25 12:49:00", "active": True, "email": "programmer@retailcrm.ru",
     "firstName": "programmer", "status": "free", "online": True, "isAdmin": True, "isManager": True,
     "groups": [{"id": 25, "name": "Менеджеры", "code": "manager"}], "mgUserId": 305,
     "senderEmail": "test@example.com", "senderName": "test"}])

# PHP UsersTest.php::testUserGroups — `breakdown*`, `granted*`, `isPosManager`, no permissions.
USER_GROUPS = paged("groups", [
    {"id": 25, "name": "Менеджеры", "code": "manager", "isManager": True, "isPosManager": True,
     "isDeliveryMen": False, "deliveryTypes": [], "breakdownOrderTypes": ["test"], "breakdownSites": ["aliexpress"],
     "breakdownOrderMethods": ["phone"], "grantedOrderTypes": ["eshop-individual"], "grantedSites": ["aliexpress"]},
    {"id": 26, "name": "Руководители", "code": "director", "isManager": False, "isPosManager": False,
     "isDeliveryMen": False, "deliveryTypes": [], "breakdownOrderTypes": [], "breakdownSites": [],
     "breakdownOrderMethods": [], "grantedOrderTypes": [], "grantedSites": []}])

# PHP tests/src/ResourceGroup/IntegrationTests.php::testGet — a marketplace module.
MODULE = {"success": True, "integrationModule": {
    "code": "mg-fbmessenger", "integrationCode": "mg-fbmessenger", "active": True, "freeze": False,
    "name": "Facebook Messenger", "logo": "https://mg-tp-fbm-s1.retailcrm.pro/static/fbmessenger_logo.svg",
    "native": False, "baseUrl": "https://mg-tp-fbm-s1.retailcrm.pro/", "actions": {"activity": "/actions/activity"},
    "availableCountries": [], "accountUrl": "https://mg-tp-fbm-s1.retailcrm.pro/settings/clientId",
    "integrations": {"mgTransport": {"token": "token", "isActive": True,
                                     "webhookUrl": "https://mg-tp-fbm-s1.retailcrm.pro/webhook/"}}}}

# GET reference/sites: a captured answer in retailcrm/api-client-php's v5-era tests (the `sites()`
# helper of its references test): keyed by something other than the code, a contragent object,
# an empty countryIso, catalog timestamps crmdeploy does not manage.
SITES = {"success": True, "sites": {"BitrixMod": {
    "name": "site", "url": "http://site.ru", "code": "site", "defaultForCrm": False,
    "ymlUrl": "http://site.ru/retailcrm.xml", "loadFromYml": False, "catalogUpdatedAt": "2019-02-08 13:30:37",
    "catalogLoadingAt": "2019-02-11 09:12:18",
    "contragent": {"contragentType": "legal-entity", "legalName": "code", "code": "code", "countryIso": "RU",
                   "vatRate": ""},
    "countryIso": ""}}}

# Every list a plan reads on a real account: path under /api/v5/ → answer.
LISTS: dict[str, dict[str, Any]] = {
    "reference/status-groups": STATUS_GROUPS, "reference/statuses": STATUSES,
    "reference/product-statuses": PRODUCT_STATUSES, "reference/payment-types": PAYMENT_TYPES,
    "reference/payment-statuses": PAYMENT_STATUSES, "reference/delivery-types": DELIVERY_TYPES,
    "reference/order-types": ORDER_TYPES, "reference/order-methods": ORDER_METHODS,
    "custom-fields/dictionaries": DICTIONARIES, "custom-fields": CUSTOM_FIELDS, "users": USERS,
    "user-groups": USER_GROUPS, "reference/sites": SITES,
}
