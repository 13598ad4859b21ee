## Вебхуки: администратор подписывает адреса на события и следит за доставкой.
## Идентификаторы сообщений те же, что в en/webhooks.ftl.

nav-webhooks = Вебхуки
webhooks-title = Вебхуки
webhooks-intro = Когда происходит событие, CRM отправляет на адрес подписанное сообщение в формате JSON. Неудачные доставки повторяются примерно полтора дня.
webhooks-empty = Вебхуков пока нет.
webhook-new = Новый вебхук
webhook-create = Создать вебхук
webhook-edit-title = Вебхук
webhook-actions = Действия
webhook-state-active = Включён
webhook-state-paused = Приостановлен
webhook-col-state = Состояние

webhook-field-url = Адрес (URL)
webhook-hint-url = Адрес http:// или https://, принимающий POST-запросы.
webhook-field-events = События
webhook-field-description = Описание
webhook-field-active = Включён (отправлять события на этот адрес)
webhook-field-allow-private-network = Разрешить частную сеть
webhook-hint-allow-private-network = Разрешает отправку на адреса внутри частной сети (например, 192.168.x.x, 10.x.x.x или localhost). Не включайте, если получатель не работает в вашей собственной сети.

webhook-event-all = Все события (*)
webhook-event-contact-created = создан контакт
webhook-event-contact-updated = изменён контакт
webhook-event-company-created = создана компания
webhook-event-deal-created = создана сделка
webhook-event-deal-stage-changed = сделка перешла на другой этап
webhook-event-deal-won = сделка выиграна
webhook-event-deal-lost = сделка проиграна
webhook-event-lead-created = поступил лид
webhook-event-task-overdue = задача просрочена

webhook-secret = Секрет подписи
webhook-hint-secret = Передайте этот секрет получателю: каждый запрос несёт заголовок X-CRM-Signature — HMAC-SHA256 строки «метка времени.тело», вычисленный с этим секретом.
webhook-rotate = Создать новый секрет
webhook-test = Отправить тестовое событие

webhook-deliveries-title = Последние доставки
webhook-deliveries-empty = Пока ничего не отправлено.
webhook-col-id = №
webhook-col-event = Событие
webhook-col-occurred = Когда
webhook-col-status = Статус
webhook-col-attempts = Попытки
webhook-col-http = HTTP
webhook-col-duration = Время
webhook-col-error = Ошибка
webhook-col-next = Следующая попытка
webhook-duration-ms = { $n } мс
webhook-response = Ответ
webhook-status-pending = Ожидает
webhook-status-delivered = Доставлено
webhook-status-failed = Не доставлено
webhook-status-refused = Отклонено

flash-webhook-created = Вебхук создан.
flash-webhook-updated = Вебхук сохранён.
flash-webhook-deleted = Вебхук удалён.
flash-webhook-secret-rotated = Создан новый секрет. Передайте его получателю.
flash-webhook-test-queued = Тестовое событие отправляется.

error-webhook-url-invalid = Укажите адрес http:// или https:// без имени пользователя и пароля.
error-webhook-url-private = Адрес в частной сети; отметьте «Разрешить частную сеть», чтобы его разрешить.
error-webhook-events-required = Выберите хотя бы одно событие.
error-webhook-event-unknown = Неизвестное событие.
