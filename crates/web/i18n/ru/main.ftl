## Веб-интерфейс CRM: русский язык.
## Набор идентификаторов сообщений должен совпадать во всех языках.

app-name = CRM
skip-to-content = Перейти к содержимому

## Шапка

nav-label = Главное меню
nav-contacts = Контакты
nav-companies = Компании
search-label = Поиск по контактам и компаниям
search-placeholder = Поиск…
search-button = Найти
language-label = Язык
language-change = Сменить
sign-out = Выйти

## Вход

login-title = Вход
login-submit = Войти

## Общие действия и слова

action-edit = Изменить
action-delete = Удалить
action-save = Сохранить
action-cancel = Отмена
yes = Да
no = Нет
record-created = Создано { $date }
record-updated = изменено { $date }

## Поля (используются и в сообщениях об ошибках API)

field-name = Имя
field-position = Должность
field-company = Компания
field-phones = Телефоны
field-emails = Эл. почта
field-birthday = День рождения
field-address = Адрес
field-messengers = Мессенджеры
field-tags = Теги
field-responsible = Ответственный
field-visible-to-all = Видно всем
field-notes = Заметки
field-industry = Отрасль
field-website = Сайт
field-tax-id = ИНН
field-bank-details = Банковские реквизиты
field-email = Эл. почта
field-password = Пароль
col-phone = Телефон
col-email = Эл. почта

## Подсказки в формах

hint-company = Начните вводить название, чтобы выбрать существующую компанию.
hint-one-per-line = По одному в строке.
hint-messengers = Например: Telegram @name, WhatsApp +7 999 123-45-67.
hint-tags = Теги через запятую.
hint-visible-contact = Если флажок снят, контакт видят только ответственный и его руководители.
hint-visible-company = Если флажок снят, компанию видят только ответственный и его руководители.
form-errors-title = Исправьте отмеченные поля

## Возможные дубликаты

dup-title = Возможно, это дубликат
dup-kind-contact = контакт
dup-kind-company = компания
dup-matched = совпадение:
dup-hidden = { $count ->
    [one] Ещё { $count } запись, которую вы не видите, содержит тот же телефон или e-mail.
    [few] Ещё { $count } записи, которые вы не видите, содержат тот же телефон или e-mail.
    [many] Ещё { $count } записей, которые вы не видите, содержат тот же телефон или e-mail.
   *[other] Ещё { $count } записи, которые вы не видите, содержат тот же телефон или e-mail.
}
dup-confirm = Всё равно сохранить — это не дубликат

## Списки

filter-tag = Тег
filter-anyone = Все
filter-apply = Показать
filter-reset = Сбросить фильтры
sort-by = Сортировка:
sort-name = по имени
sort-created = по дате создания
sort-updated = по дате изменения
sort-asc = по возрастанию
sort-desc = по убыванию
pager-label = Страницы
pager-prev = Назад
pager-next = Вперёд
page-n = Страница { $n }
list-page-empty = На этой странице ничего нет.

## Контакты

contacts-title = Контакты
contact-new = Новый контакт
contact-new-title = Новый контакт
contact-edit-title = Изменение контакта
contact-create = Создать контакт
contacts-empty = Контактов пока нет. Добавьте первый.
contacts-empty-filtered = Нет контактов, подходящих под фильтры.
contact-delete-confirm = Удалить этот контакт? Отменить это действие нельзя.

## Компании

companies-title = Компании
company-new = Новая компания
company-new-title = Новая компания
company-edit-title = Изменение компании
company-create = Создать компанию
companies-empty = Компаний пока нет. Добавьте первую.
companies-empty-filtered = Нет компаний, подходящих под фильтры.
company-delete-confirm = Удалить эту компанию? Её контактные лица останутся, но без компании.
company-people = Контактные лица
company-add-person = Добавить контактное лицо
company-no-people = Контактных лиц пока нет.

## Поиск

search-title = Поиск
search-results-for = Результаты поиска «{ $query }»
search-too-short = Для поиска введите хотя бы 2 символа.
search-nothing = По запросу «{ $query }» ничего не найдено.
search-contacts-count = { $count ->
    [one] { $count } контакт
    [few] { $count } контакта
    [many] { $count } контактов
   *[other] { $count } контакта
}
search-companies-count = { $count ->
    [one] { $count } компания
    [few] { $count } компании
    [many] { $count } компаний
   *[other] { $count } компании
}

## Уведомления

flash-contact-created = Контакт создан.
flash-contact-updated = Контакт сохранён.
flash-contact-deleted = Контакт удалён.
flash-company-created = Компания создана.
flash-company-updated = Компания сохранена.
flash-company-deleted = Компания удалена.
flash-language-changed = Язык изменён.

## Ошибки в полях

error-required = Обязательное поле.
error-too-long = Слишком длинное значение.
error-too-many = Слишком много значений.
error-phone-invalid = Это не похоже на номер телефона.
error-email-invalid = Это не похоже на адрес эл. почты.
error-date-invalid = Введите дату в формате ГГГГ-ММ-ДД.
error-date-out-of-range = Дата вне допустимого диапазона.
error-website-invalid = Это не похоже на адрес сайта.
error-tax-id-invalid = Это не похоже на правильный ИНН.
error-responsible-not-allowed = Этого сотрудника нельзя назначить ответственным.
error-password-too-short = Пароль слишком короткий.
error-locale-unknown = Этот язык недоступен.
error-company-not-found = Такой компании нет. Сначала создайте её или выберите из списка.
error-number-invalid = Введите число.
error-email-taken = Пользователь с таким адресом уже есть.

## Ошибки страниц

error-not-found = Страница не найдена
error-forbidden = У вас нет доступа
error-bad-request = Не удалось разобрать запрос
error-csrf = Форма устарела. Вернитесь назад, обновите страницу и повторите.
error-internal = На сервере что-то пошло не так
error-payload-too-large = Слишком большой запрос
error-conflict = Кто-то уже изменил эту запись. Обновите страницу и повторите.
error-login-failed = Неверный e-mail или пароль.
error-login-throttled = Слишком много попыток. Подождите несколько минут и повторите.
error-unauthorized = Войдите, чтобы продолжить.
error-status = Ошибка { $status }
error-request-id = Номер запроса (сообщите его администратору):
error-back = К списку контактов

## Sales: shared names
nav-leads = Лиды
nav-deals = Сделки
nav-products = Товары
nav-pipelines = Воронки
source-web_form = Веб-форма
source-email = Электронная почта
source-call = Звонок
source-import = Импорт
source-manual = Вручную
source-api = API
status-new = Новый
status-in_progress = В работе
status-converted = Сконвертирован
status-junk = Спам
client-deals = Сделки
client-new-deal = Новая сделка
client-no-deals = Сделок пока нет.
kind-open = Открытый
kind-won = Успешный
default-stage-new = Новая
default-stage-won = Успешно
default-stage-lost = Проиграна
kind-lost = Проигранный

## Sales: messages
flash-deal-created = Сделка создана.
flash-deal-updated = Сделка сохранена.
flash-deal-deleted = Сделка удалена.
flash-deal-moved = Сделка перемещена.
flash-lines-saved = Позиции сохранены.
flash-lead-created = Лид создан.
flash-lead-updated = Лид сохранён.
flash-lead-deleted = Лид удалён.
flash-lead-converted = Лид сконвертирован.
flash-product-created = Товар создан.
flash-product-updated = Товар сохранён.
flash-product-deleted = Товар удалён.
flash-pipeline-created = Воронка создана.
flash-pipeline-updated = Воронка сохранена.
flash-pipeline-deleted = Воронка удалена.
flash-stage-saved = Этап сохранён.
flash-stage-deleted = Этап удалён.
flash-lost-reason-saved = Причина проигрыша сохранена.
error-currency-unknown = Это не код валюты ISO 4217 (например, RUB, EUR, USD).
error-number-negative = Значение не может быть отрицательным.
error-number-precision = Слишком много знаков после запятой.
error-number-too-large = Слишком большое число.
error-probability-range = Укажите вероятность от 0 до 100.
error-color-invalid = Выберите цвет в виде #rrggbb.
error-stages-need-each-kind = В воронке нужен хотя бы один открытый, один успешный и один проигранный этап.
error-stage-repeated = Этап указан дважды.
error-stage-not-found = Такого этапа нет.
error-stage-not-in-pipeline = Этот этап относится к другой воронке.
error-stage-holds-deals = На этом этапе есть сделки: выберите, куда их перенести.
error-pipeline-not-found = Такой воронки нет.
error-pipeline-holds-deals = В воронке есть сделки: сначала перенесите или удалите их.
error-last-pipeline = Последнюю воронку удалить нельзя.
error-quantity-positive = Количество должно быть больше нуля.
error-discount-range = Укажите скидку от 0 до 100 %.
error-source-unknown = Выберите источник из списка.
error-status-unknown = Выберите статус из списка.
error-lead-empty = Укажите хотя бы имя, телефон, e-mail или компанию.
error-lead-convert-instead = Чтобы сконвертировать лид, используйте «Конвертировать».
error-lead-converted = Этот лид уже сконвертирован.
error-contact-not-found = Такого контакта нет. Создайте его или выберите из подсказок.
error-lost-reason-required = Выберите причину проигрыша сделки.
error-product-not-found = Такого товара нет.
error-currency-has-lines = Чтобы сменить валюту, сначала удалите позиции.
error-deal-changed = Кто-то изменил эту сделку. На странице теперь текущая версия; внесите своё изменение ещё раз.
col-id = ID
list-export = Выгрузить в CSV
