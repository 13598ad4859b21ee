## Экраны продаж: лиды, товары, воронки. Русский язык.
## Набор идентификаторов сообщений должен совпадать во всех языках.

## Лиды: список

leads-title = Лиды
lead-new = Новый лид
leads-status-label = Статус лида
leads-status-all = Все
leads-empty = Лидов пока нет. Они приходят с форм на сайте, по почте и через API; можно добавить лид и вручную.
leads-empty-filtered = Лидов с таким статусом нет.
lead-untitled = Лид №{ $id }

## Лиды: поля

lead-field-title = Название
lead-field-source = Источник
lead-field-status = Статус
lead-field-name = Имя контакта
lead-field-company-name = Компания
lead-field-message = Сообщение
lead-field-created = Получен
lead-field-utm-source = UTM source (источник)
lead-field-utm-medium = UTM medium (канал)
lead-field-utm-campaign = UTM campaign (кампания)
lead-field-utm-term = UTM term (ключевое слово)
lead-field-utm-content = UTM content (объявление)
lead-field-page-url = Страница
lead-hint-title = Если оставить пустым, лид будет показан по имени контакта, компании, телефону или e-mail.
lead-hint-page-url = Адрес страницы, с которой отправлена заявка.
lead-source-unset = Не указан
lead-status-keep = Не менять
lead-origin-title = Откуда пришёл лид

## Лиды: карточка и форма

lead-new-title = Новый лид
lead-edit-title = Изменение лида
lead-create = Создать лид
lead-to-in_progress = Взять в работу
lead-to-junk = Отметить как спам
lead-delete-confirm = Удалить этот лид? Отменить удаление будет нельзя.
lead-converted = Лид сконвертирован.
lead-converted-at = Лид сконвертирован { $date }.
lead-open-contact = Открыть контакт
lead-open-company = Открыть компанию
lead-open-deal = Открыть сделку

## Лиды: конвертация

lead-convert = Конвертировать
lead-convert-title = Конвертация лида
lead-convert-intro = Создайте из лида контакт, компанию и сделку или привяжите его к уже существующим карточкам.
lead-convert-contact = Контакт
lead-convert-contact-new = Создать новый контакт
lead-convert-contact-none = Без контакта
lead-convert-company = Компания
lead-convert-company-new = Создать компанию «{ $name }»
lead-convert-company-none = Без компании
lead-convert-use = Использовать «{ $name }»
lead-convert-open = открыть карточку в новой вкладке
lead-convert-deal = Сделка
lead-convert-create-deal = Создать сделку
lead-convert-create-deal-hint = Снимите флажок, чтобы конвертировать лид без сделки; тогда поля ниже не учитываются.
lead-field-deal-title = Название сделки
lead-field-stage = Этап
lead-field-amount = Сумма
lead-field-currency = Валюта
lead-hint-amount = Оставьте пустым, если сумма пока неизвестна.
lead-hint-currency = Трёхбуквенный код, например RUB; если оставить пустым, будет валюта по умолчанию.
lead-convert-submit = Конвертировать

## Товары

products-title = Товары
product-new = Новый товар
product-new-title = Новый товар
product-edit-title = Изменение товара
product-create = Создать товар
products-empty = Каталог пуст.
product-field-name = Название
product-field-sku = Артикул
product-field-unit = Единица
product-field-price = Цена
product-field-currency = Валюта
product-field-category = Категория
product-field-active = Предлагать в новых сделках
product-col-state = Состояние
product-active = Активен
product-inactive = Не активен
product-hint-sku = Артикул, если вы его используете.
product-hint-unit = Например: шт., час, кг.
product-hint-price = Цена за единицу, например 1250,50.
product-hint-currency = Трёхбуквенный код, например RUB.
product-hint-active = Если флажок снят, товар больше не предлагается для строк сделок; в сделках, где он уже есть, он останется.
product-delete = Удалить товар
product-delete-confirm = Удалить этот товар? В сделках, где он есть, сохранятся его название и цена.

## Воронки: список

pipelines-title = Воронки
pipelines-empty = Воронок пока нет.
pipeline-set-up = Настроить
pipeline-stages-of = Этапы воронки «{ $name }»
stage-probability-value = { $n } %
pipeline-new = Новая воронка
pipeline-field-name = Название воронки
pipeline-create = Создать воронку

## Причины проигрыша

lost-reason-list-title = Причины проигрыша сделок
lost-reason-intro = Их предлагают выбрать, когда сделка переходит на проигранный этап. Снимите флажок, чтобы причина больше не предлагалась; в сделках, где она указана, она сохранится.
lost-reason-field-name = Причина
lost-reason-field-active = Предлагать
lost-reason-empty = Причин пока нет.
lost-reason-new = Новая причина
lost-reason-add = Добавить причину

## Воронки: одна воронка

pipeline-subtitle = Настройки воронки
pipeline-open-board = Открыть доску
pipeline-back = Все воронки
pipeline-rename-title = Название
pipeline-rename = Переименовать
pipeline-stages = Этапы
pipeline-stages-hint = Сделки проходят этапы сверху вниз. В воронке должны быть хотя бы один открытый, один успешный и один проигранный этап.
stage-field-name = Название этапа
stage-field-probability = Вероятность, %
stage-field-color = Цвет
stage-field-kind = Тип
stage-hint-probability = Насколько вероятно, что сделка на этом этапе будет выиграна: от 0 до 100.
stage-hint-kind = Открытый этап добавляется перед успешными и проигранными.
stage-save = Сохранить этап
stage-move-up = Выше
stage-move-down = Ниже
stage-add-title = Новый этап
stage-add = Добавить этап
pipeline-delete-title = Удаление воронки
pipeline-delete-hint = Удалить можно только воронку без сделок, и хотя бы одна воронка должна остаться.
pipeline-delete = Удалить воронку
pipeline-delete-confirm = Удалить воронку «{ $name }» вместе со всеми этапами? Отменить удаление будет нельзя.

## Удаление этапа

stage-delete-title = Удаление этапа «{ $name }»
stage-delete-deals = { $count ->
    [one] На этом этапе { $count } сделка. Выберите этап, на который она перейдёт.
    [few] На этом этапе { $count } сделки. Выберите этап, на который они перейдут.
    [many] На этом этапе { $count } сделок. Выберите этап, на который они перейдут.
   *[other] На этом этапе { $count } сделки. Выберите этап, на который они перейдут.
}
stage-delete-no-deals = На этом этапе нет сделок.
stage-field-move-to = { $count ->
    [one] Перенести { $count } сделку на этап
    [few] Перенести { $count } сделки на этап
    [many] Перенести { $count } сделок на этап
   *[other] Перенести { $count } сделки на этап
}
stage-move-to-choose = Выберите этап
stage-delete-hint = В истории сделок, которые были на этом этапе, он сохранится. В воронке должны остаться хотя бы один открытый, один успешный и один проигранный этап.
stage-delete = Удалить этап
