## Сделки: канбан, список, карточка и форма сделки, позиции.
## Набор ключей тот же, что в en/deals.ftl.

## Сделки: список

deals-title = Сделки
deals-board-view = Канбан
deals-empty = Сделок пока нет. Добавьте первую.
deals-empty-filtered = Нет сделок, подходящих под эти фильтры.
deals-col-updated = Изменена
deals-filter-any-pipeline = Все воронки
deals-filter-any-stage = Любой этап
deals-filter-state = Состояние
deals-filter-any-state = Любое состояние
deals-filter-min = Сумма от
deals-filter-max = Сумма до
deals-sort-title = Название
deals-sort-amount = Сумма
deals-sort-expected-close = Дата закрытия
deals-sort-updated = Изменена
deals-sort-created = Создана

## Сделки: поля

deal-field-title = Название
deal-field-pipeline = Воронка
deal-field-stage-id = Этап
deal-field-amount = Сумма
deal-field-currency = Валюта
deal-field-probability = Вероятность, %
deal-field-responsible = Ответственный
deal-field-deal-type = Тип сделки
deal-field-source = Источник
deal-field-expected-close = Ожидаемая дата закрытия
deal-field-contact = Контакт
deal-field-company = Компания
deal-field-tags = Теги
deal-field-lost-reason-id = Причина проигрыша
deal-field-notes = Заметки
deal-client = Клиент

## Сделки: форма

deal-new = Новая сделка
deal-new-title = Новая сделка
deal-edit-title = Редактирование сделки
deal-create = Создать сделку
deal-stage-choose = Выберите этап
deal-source-none = Не указан
deal-lost-reason-choose = Выберите причину
deal-hint-amount-from-lines = В сделке есть позиции, поэтому её сумма равна их сумме. Чтобы её изменить, измените позиции.
deal-hint-currency = Трёхбуквенный код, например RUB.
deal-hint-probability = Оставьте пустым, чтобы взять вероятность этапа.
deal-hint-contact = Начните вводить, чтобы выбрать существующий контакт.
deal-hint-lost-reason = Нужна, только если этап означает проигрыш.
deal-hint-visible = Если флажок снят, сделку видят только ответственный и его руководители.

## Сделки: карточка

deal-delete-confirm = Удалить эту сделку? Отменить это будет нельзя.
deal-probability = Вероятность
deal-probability-value = { $percent } %
deal-probability-manual = задана вручную
deal-probability-from-stage = по этапу
deal-sale = Продажа
deal-sale-new-customer = Новый клиент
deal-sale-repeat = Повторная продажа, № { $nth }
deal-lead = Лид
deal-lead-link = Лид № { $id }
deal-closed-at = Закрыта
deal-stage-heading = Перевести на другой этап
deal-move = Перевести
deal-history = История этапов
deal-history-created = Создана на этапе «{ $to }»
deal-history-moved = Переведена с этапа «{ $from }» на этап «{ $to }»

## Позиции

line-heading = Товары и услуги
line-hint = Выберите товар из подсказок или введите любое название. Суммы пересчитываются при сохранении. Пустые строки не учитываются.
line-number = Строка
line-name = Товар или услуга
line-quantity = Количество
line-unit-price = Цена за ед.
line-unit-price-in = Цена за ед., { $currency }
line-discount = Скидка, %
line-total = Сумма
line-deal-total = Итого по сделке
line-save = Сохранить позиции
line-add = Добавить строку
line-none = Позиций нет.

## Канбан

board-title = Сделки: { $pipeline }
board-list-view = Список
board-pipelines-label = Воронки
board-help = Перетащите карточку на другой этап или откройте сделку и смените этап в ней. С клавиатуры: выберите карточку, нажмите Пробел, чтобы взять её, стрелками влево и вправо выберите этап, нажмите Пробел или Enter, чтобы положить её туда, или Escape для отмены.
board-count-label = Сделок на этапе:
board-probability = { $percent } %
board-totals-label = Суммы
board-totals-stale = Обновите страницу, чтобы пересчитать суммы.
board-card-close = Закрыть до
board-more = Показать ещё
board-loaded = Загружены ещё сделки.
board-no-stages = В этой воронке пока нет этапов.
board-picked = Карточка «{ $title }» взята с этапа «{ $stage }». Стрелками влево и вправо выберите этап, Пробел или Enter — положить, Escape — отменить.
board-over = Этап «{ $stage }».
board-dropped = Сделка «{ $title }» переведена на этап «{ $stage }».
board-cancelled = Перенос отменён. Сделка «{ $title }» остаётся на этапе «{ $stage }».
board-saving = Сохранение…
board-move-failed = Не удалось перевести сделку. Проверьте подключение и попробуйте ещё раз.
board-reload = Обновить канбан
board-lost-title = Почему сделка проиграна?
board-lost-ok = Перевести в проигранные
