## The CRM's web interface: English.
## Keep the same message ids in every language.

app-name = CRM
skip-to-content = Skip to content

## Header

nav-label = Main
nav-contacts = Contacts
nav-companies = Companies
search-label = Search contacts and companies
search-placeholder = Search…
search-button = Search
language-label = Language
language-change = Change
sign-out = Sign out

## Sign-in

login-title = Sign in
login-submit = Sign in

## Generic actions and words

action-edit = Edit
action-delete = Delete
action-save = Save
action-cancel = Cancel
yes = Yes
no = No
record-created = Created { $date }
record-updated = updated { $date }

## Fields (also used in API error messages)

field-name = Name
field-position = Position
field-company = Company
field-phones = Phones
field-emails = E-mails
field-birthday = Birthday
field-address = Address
field-messengers = Messengers
field-tags = Tags
field-responsible = Responsible
field-visible-to-all = Visible to everyone
field-notes = Notes
field-industry = Industry
field-website = Website
field-tax-id = Tax ID
field-bank-details = Bank details
field-email = E-mail
field-password = Password
col-phone = Phone
col-email = E-mail

## Form hints

hint-company = Start typing to pick an existing company.
hint-one-per-line = One per line.
hint-messengers = For example: Telegram @name, WhatsApp +1 555 123 4567.
hint-tags = Separate tags with commas.
hint-visible-contact = When unticked, only the responsible person and their managers see this contact.
hint-visible-company = When unticked, only the responsible person and their managers see this company.
form-errors-title = Please correct the highlighted fields

## Possible duplicates

dup-title = This may be a duplicate
dup-kind-contact = contact
dup-kind-company = company
dup-matched = matched by
dup-hidden = { $count ->
    [one] One more record you cannot see has the same phone or e-mail.
   *[other] { $count } more records you cannot see have the same phone or e-mail.
}
dup-confirm = Save anyway, this is not a duplicate

## Lists

filter-tag = Tag
filter-anyone = Anyone
filter-apply = Filter
filter-reset = Reset filters
sort-by = Sort by:
sort-name = Name
sort-created = Created
sort-updated = Updated
sort-asc = ascending
sort-desc = descending
pager-label = Pages
pager-prev = Previous
pager-next = Next
page-n = Page { $n }
list-page-empty = There is nothing on this page.

## Contacts

contacts-title = Contacts
contact-new = New contact
contact-new-title = New contact
contact-edit-title = Edit contact
contact-create = Create contact
contacts-empty = No contacts yet. Add the first one.
contacts-empty-filtered = No contacts match these filters.
contact-delete-confirm = Delete this contact? This cannot be undone.

## Companies

companies-title = Companies
company-new = New company
company-new-title = New company
company-edit-title = Edit company
company-create = Create company
companies-empty = No companies yet. Add the first one.
companies-empty-filtered = No companies match these filters.
company-delete-confirm = Delete this company? Its contact persons stay, without the company.
company-people = Contact persons
company-add-person = Add contact person
company-no-people = No contact persons yet.

## Search

search-title = Search
search-results-for = Search results for “{ $query }”
search-too-short = Type at least 2 characters to search.
search-nothing = Nothing found for “{ $query }”.
search-contacts-count = { $count ->
    [one] One contact
   *[other] { $count } contacts
}
search-companies-count = { $count ->
    [one] One company
   *[other] { $count } companies
}

## Flash messages

flash-contact-created = Contact created.
flash-contact-updated = Contact saved.
flash-contact-deleted = Contact deleted.
flash-company-created = Company created.
flash-company-updated = Company saved.
flash-company-deleted = Company deleted.
flash-language-changed = Language changed.

## Field errors

error-required = This field is required.
error-too-long = This is too long.
error-too-many = There are too many entries.
error-phone-invalid = This does not look like a phone number.
error-email-invalid = This does not look like an e-mail address.
error-date-invalid = Enter a date as YYYY-MM-DD.
error-date-out-of-range = This date is out of range.
error-website-invalid = This does not look like a website address.
error-tax-id-invalid = This does not look like a valid tax ID.
error-responsible-not-allowed = You cannot make this person responsible.
error-password-too-short = The password is too short.
error-locale-unknown = This language is not available.
error-company-not-found = There is no such company. Create it first or pick one from the list.
error-number-invalid = Enter a number.
error-email-taken = A user with this e-mail exists already.

## Page errors

error-not-found = Page not found
error-forbidden = You do not have access to this
error-bad-request = The request could not be understood
error-csrf = The form has expired. Please go back, reload the page and try again.
error-internal = Something went wrong on our side
error-payload-too-large = The request is too large
error-conflict = Someone else changed this record meanwhile. Reload it and try again.
error-login-failed = Wrong e-mail or password.
error-login-throttled = Too many attempts. Please wait a few minutes and try again.
error-unauthorized = Please sign in to continue.
error-status = Error { $status }
error-request-id = Request id (quote it to your administrator):
error-back = Back to contacts

## Sales: shared names
nav-leads = Leads
nav-deals = Deals
nav-products = Products
nav-pipelines = Pipelines
source-web_form = Web form
source-email = E-mail
source-call = Phone call
source-import = Import
source-manual = Entered by hand
source-api = API
status-new = New
status-in_progress = In progress
status-converted = Converted
status-junk = Junk
client-deals = Deals
client-new-deal = New deal
client-no-deals = No deals yet.
kind-open = Open
kind-won = Won
default-stage-new = New
default-stage-won = Won
default-stage-lost = Lost
kind-lost = Lost

## Sales: messages
flash-deal-created = Deal created.
flash-deal-updated = Deal saved.
flash-deal-deleted = Deal deleted.
flash-deal-moved = Deal moved.
flash-lines-saved = Line items saved.
flash-lead-created = Lead created.
flash-lead-updated = Lead saved.
flash-lead-deleted = Lead deleted.
flash-lead-converted = Lead converted.
flash-product-created = Product created.
flash-product-updated = Product saved.
flash-product-deleted = Product deleted.
flash-pipeline-created = Pipeline created.
flash-pipeline-updated = Pipeline saved.
flash-pipeline-deleted = Pipeline deleted.
flash-stage-saved = Stage saved.
flash-stage-deleted = Stage deleted.
flash-lost-reason-saved = Lost reason saved.
error-currency-unknown = This is not an ISO 4217 currency code (for example EUR, USD, RUB).
error-number-negative = This cannot be negative.
error-number-precision = Too many digits after the decimal point.
error-number-too-large = This number is too large.
error-probability-range = Enter a probability from 0 to 100.
error-color-invalid = Pick a colour as #rrggbb.
error-stages-need-each-kind = A pipeline needs at least one open, one won and one lost stage.
error-stage-repeated = A stage is listed twice.
error-stage-not-found = There is no such stage.
error-stage-not-in-pipeline = This stage belongs to another pipeline.
error-stage-holds-deals = This stage still holds deals: choose where to move them.
error-pipeline-not-found = There is no such pipeline.
error-pipeline-holds-deals = This pipeline still holds deals: move or delete them first.
error-last-pipeline = The last pipeline cannot be deleted.
error-quantity-positive = The quantity must be more than zero.
error-discount-range = Enter a discount from 0 to 100 %.
error-source-unknown = Pick a source from the list.
error-status-unknown = Pick a status from the list.
error-lead-empty = Give at least a name, a phone, an e-mail or a company.
error-lead-convert-instead = Use “Convert” to convert a lead.
error-lead-converted = This lead has been converted already.
error-contact-not-found = There is no such contact. Create it first or pick one from the suggestions.
error-lost-reason-required = Pick the reason the deal was lost.
error-product-not-found = There is no such product.
error-currency-has-lines = Remove the line items before changing the currency.
error-deal-changed = Someone changed this deal meanwhile. The page now shows the current version; make your change again.
col-id = ID
list-export = Export to CSV
