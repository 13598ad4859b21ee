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
error-number-invalid = Enter a whole number.
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
