## Sales screens: leads, products, pipelines. English.
## Keep the same message ids in every language.

## Leads: list

leads-title = Leads
lead-new = New lead
leads-status-label = Lead status
leads-status-all = All
leads-empty = No leads yet. They arrive from web forms, e-mail and the API, or add one by hand.
leads-empty-filtered = No leads with this status.
lead-untitled = Lead #{ $id }

## Leads: fields

lead-field-title = Title
lead-field-source = Source
lead-field-status = Status
lead-field-name = Contact name
lead-field-company-name = Company
lead-field-message = Message
lead-field-created = Received
lead-field-utm-source = UTM source
lead-field-utm-medium = UTM medium
lead-field-utm-campaign = UTM campaign
lead-field-utm-term = UTM term
lead-field-utm-content = UTM content
lead-field-page-url = Page
lead-hint-title = If left empty, the lead is shown by its contact name, company, phone or e-mail.
lead-hint-page-url = The address of the page the request was sent from.
lead-source-unset = Not specified
lead-status-keep = Leave unchanged
lead-origin-title = Where the lead came from

## Leads: card and form

lead-new-title = New lead
lead-edit-title = Edit lead
lead-create = Create lead
lead-to-in_progress = Take into work
lead-to-junk = Mark as junk
lead-delete-confirm = Delete this lead? This cannot be undone.
lead-converted = This lead has been converted.
lead-converted-at = This lead was converted { $date }.
lead-open-contact = Open the contact
lead-open-company = Open the company
lead-open-deal = Open the deal

## Leads: conversion

lead-convert = Convert
lead-convert-title = Convert lead
lead-convert-intro = Create a contact, a company and a deal from this lead, or link it to cards you already have.
lead-convert-contact = Contact
lead-convert-contact-new = Create a new contact
lead-convert-contact-none = Without a contact
lead-convert-company = Company
lead-convert-company-new = Create the company “{ $name }”
lead-convert-company-none = Without a company
lead-convert-use = Use “{ $name }”
lead-convert-open = open the card in a new tab
lead-convert-deal = Deal
lead-convert-create-deal = Create a deal
lead-convert-create-deal-hint = Untick to convert the lead without a deal; the fields below are then ignored.
lead-field-deal-title = Deal title
lead-field-stage = Stage
lead-field-amount = Amount
lead-field-currency = Currency
lead-hint-amount = Leave empty if it is not known yet.
lead-hint-currency = A three-letter code such as EUR; leave empty for the default currency.
lead-convert-submit = Convert

## Products

products-title = Products
product-new = New product
product-new-title = New product
product-edit-title = Edit product
product-create = Create product
products-empty = The catalogue is empty.
product-field-name = Name
product-field-sku = SKU
product-field-unit = Unit
product-field-price = Price
product-field-currency = Currency
product-field-category = Category
product-field-active = Offered for new deals
product-col-state = State
product-active = Active
product-inactive = Inactive
product-hint-sku = The article number, if you use one.
product-hint-unit = For example: pcs, hour, kg.
product-hint-price = The price of one unit, for example 1250.50.
product-hint-currency = A three-letter code such as EUR.
product-hint-active = When unticked, the product is no longer suggested for deal lines; deals that have it keep it.
product-delete = Delete product
product-delete-confirm = Delete this product? Deals that have it keep its name and price.

## Pipelines: list

pipelines-title = Pipelines
pipelines-empty = There are no pipelines yet.
pipeline-set-up = Set up
pipeline-stages-of = Stages of { $name }
stage-probability-value = { $n }%
pipeline-new = New pipeline
pipeline-field-name = Pipeline name
pipeline-create = Create pipeline

## Lost reasons

lost-reason-list-title = Reasons for losing deals
lost-reason-intro = These are offered when a deal moves to a lost stage. Untick a reason to stop offering it; deals that have it keep it.
lost-reason-field-name = Reason
lost-reason-field-active = Offered
lost-reason-empty = No reasons yet.
lost-reason-new = New reason
lost-reason-add = Add reason

## Pipelines: one pipeline

pipeline-subtitle = Pipeline settings
pipeline-open-board = Open the board
pipeline-back = All pipelines
pipeline-rename-title = Name
pipeline-rename = Rename
pipeline-stages = Stages
pipeline-stages-hint = Deals move through the stages from top to bottom. A pipeline needs at least one open, one won and one lost stage.
stage-field-name = Stage name
stage-field-probability = Probability, %
stage-field-color = Colour
stage-field-kind = Kind
stage-hint-probability = How likely a deal at this stage is to be won, from 0 to 100.
stage-hint-kind = An open stage is added before the won and lost stages.
stage-save = Save stage
stage-move-up = Move up
stage-move-down = Move down
stage-add-title = Add a stage
stage-add = Add stage
pipeline-delete-title = Delete the pipeline
pipeline-delete-hint = Only a pipeline without deals can be deleted, and at least one pipeline must remain.
pipeline-delete = Delete pipeline
pipeline-delete-confirm = Delete the pipeline “{ $name }” with all its stages? This cannot be undone.

## Deleting a stage

stage-delete-title = Delete the stage “{ $name }”
stage-delete-deals = { $count ->
    [one] This stage holds one deal. Choose the stage it moves to.
   *[other] This stage holds { $count } deals. Choose the stage they move to.
}
stage-delete-no-deals = No deals are at this stage.
stage-field-move-to = { $count ->
    [one] Move the deal to
   *[other] Move the { $count } deals to
}
stage-move-to-choose = Choose a stage
stage-delete-hint = Deals that were at this stage keep it in their history. A pipeline keeps at least one open, one won and one lost stage.
stage-delete = Delete stage
