## Deals: the board, the list, the deal card and form, line items.
## Keep the same message ids in every language (ru/deals.ftl).

## Deals: list

deals-title = Deals
deals-board-view = Board
deals-empty = No deals yet. Add the first one.
deals-empty-filtered = No deals match these filters.
deals-col-updated = Updated
deals-filter-any-pipeline = All pipelines
deals-filter-any-stage = Any stage
deals-filter-state = State
deals-filter-any-state = Any state
deals-filter-min = Amount from
deals-filter-max = Amount up to
deals-sort-title = Title
deals-sort-amount = Amount
deals-sort-expected-close = Expected close
deals-sort-updated = Updated
deals-sort-created = Created

## Deals: fields

deal-field-title = Title
deal-field-pipeline = Pipeline
deal-field-stage-id = Stage
deal-field-amount = Amount
deal-field-currency = Currency
deal-field-probability = Probability, %
deal-field-responsible = Responsible
deal-field-deal-type = Deal type
deal-field-source = Source
deal-field-expected-close = Expected close
deal-field-contact = Contact
deal-field-company = Company
deal-field-tags = Tags
deal-field-lost-reason-id = Lost reason
deal-field-notes = Notes
deal-client = Client

## Deals: form

deal-new = New deal
deal-new-title = New deal
deal-edit-title = Edit deal
deal-create = Create deal
deal-stage-choose = Choose a stage
deal-source-none = Not specified
deal-lost-reason-choose = Choose a reason
deal-hint-amount-from-lines = The deal has line items, so its amount is their sum. Change the line items to change it.
deal-hint-currency = A three-letter code, for example EUR.
deal-hint-probability = Leave empty to use the stage’s probability.
deal-hint-contact = Start typing to pick an existing contact.
deal-hint-lost-reason = Needed only when the stage is a lost one.
deal-hint-visible = When unticked, only the responsible person and their managers see this deal.

## Deals: card

deal-delete-confirm = Delete this deal? This cannot be undone.
deal-probability = Probability
deal-probability-value = { $percent } %
deal-probability-manual = set by hand
deal-probability-from-stage = from the stage
deal-sale = Sale
deal-sale-new-customer = New customer
deal-sale-repeat = Repeat sale, no. { $nth }
deal-lead = Lead
deal-lead-link = Lead #{ $id }
deal-closed-at = Closed
deal-stage-heading = Move to another stage
deal-move = Move
deal-history = Stage history
deal-history-created = Created in “{ $to }”
deal-history-moved = Moved from “{ $from }” to “{ $to }”

## Line items

line-heading = Products and services
line-hint = Pick a product from the suggestions or type any name. Totals are calculated when you save. Empty rows are ignored.
line-number = Line
line-name = Product or service
line-quantity = Quantity
line-unit-price = Unit price
line-unit-price-in = Unit price, { $currency }
line-discount = Discount, %
line-total = Total
line-deal-total = Deal total
line-save = Save line items
line-add = Add a row
line-none = No line items.

## Board

board-title = Deals: { $pipeline }
board-list-view = List
board-pipelines-label = Pipelines
board-help = Drag a card to another stage, or open the deal and change its stage there. With the keyboard: focus a card, press Space to pick it up, the left and right arrow keys to choose a stage, Space or Enter to drop it there, Escape to cancel.
board-count-label = Deals in this stage:
board-probability = { $percent } %
board-totals-label = Totals
board-totals-stale = Reload the page to update the totals.
board-card-close = Close by
board-more = Show more
board-loaded = More deals loaded.
board-no-stages = This pipeline has no stages yet.
board-picked = “{ $title }” picked up in stage { $stage }. Use the left and right arrow keys to choose a stage, Space or Enter to drop, Escape to cancel.
board-over = Stage { $stage }.
board-dropped = “{ $title }” moved to stage { $stage }.
board-cancelled = Move cancelled. “{ $title }” stays in stage { $stage }.
board-saving = Saving…
board-move-failed = The deal could not be moved. Check the connection and try again.
board-reload = Reload the board
board-lost-title = Why was this deal lost?
board-lost-ok = Move to lost
