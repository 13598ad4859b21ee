## Webhooks: administrators subscribe addresses to events and watch the deliveries.
## Keep the same message ids in every language (ru/webhooks.ftl).

nav-webhooks = Webhooks
webhooks-title = Webhooks
webhooks-intro = The CRM posts a signed JSON message to each address when one of its events happens. Failed deliveries are retried for about a day and a half.
webhooks-empty = No webhooks yet.
webhook-new = New webhook
webhook-create = Create webhook
webhook-edit-title = Webhook
webhook-actions = Actions
webhook-state-active = Active
webhook-state-paused = Paused
webhook-col-state = State

webhook-field-url = Address (URL)
webhook-hint-url = An http:// or https:// address that accepts POST requests.
webhook-field-events = Events
webhook-field-description = Description
webhook-field-active = Active (send events to this address)
webhook-field-allow-private-network = Allow private network
webhook-hint-allow-private-network = Lets this webhook reach addresses inside a private network (such as 192.168.x.x, 10.x.x.x or localhost). Leave it off unless the receiver runs in your own network.

webhook-event-all = All events (*)
webhook-event-contact-created = a contact is created
webhook-event-contact-updated = a contact is changed
webhook-event-company-created = a company is created
webhook-event-deal-created = a deal is created
webhook-event-deal-stage-changed = a deal moves to another stage
webhook-event-deal-won = a deal is won
webhook-event-deal-lost = a deal is lost
webhook-event-lead-created = a lead comes in
webhook-event-task-overdue = a task becomes overdue

webhook-secret = Signing secret
webhook-hint-secret = Give this secret to the receiver: every request carries X-CRM-Signature, an HMAC-SHA256 of "timestamp.body" made with it.
webhook-rotate = Generate a new secret
webhook-test = Send a test event

webhook-deliveries-title = Latest deliveries
webhook-deliveries-empty = Nothing has been sent yet.
webhook-col-id = No.
webhook-col-event = Event
webhook-col-occurred = Happened
webhook-col-status = Status
webhook-col-attempts = Attempts
webhook-col-http = HTTP
webhook-col-duration = Time
webhook-col-error = Error
webhook-col-next = Next attempt
webhook-duration-ms = { $n } ms
webhook-response = Response
webhook-status-pending = Waiting
webhook-status-delivered = Delivered
webhook-status-failed = Failed
webhook-status-refused = Refused

flash-webhook-created = Webhook created.
flash-webhook-updated = Webhook saved.
flash-webhook-deleted = Webhook deleted.
flash-webhook-secret-rotated = A new secret was generated. Give it to the receiver.
flash-webhook-test-queued = A test event is on its way.

error-webhook-url-invalid = Enter an http:// or https:// address, without a user name or password.
error-webhook-url-private = Private network address; tick "Allow private network" to allow it.
error-webhook-events-required = Choose at least one event.
error-webhook-event-unknown = Unknown event.
