## API-токены в профиле и отказы REST API. Русский язык.
## Набор ключей тот же, что в en/api.ftl.

## Профиль: API-токены

tokens-title = API-токены
tokens-intro = Токен позволяет другой программе (форме на сайте, телефонии, скрипту) работать с REST API CRM от вашего имени: видеть и менять только то, что можете вы. Токен только для чтения ничего не меняет.
tokens-empty = У вас пока нет API-токенов.
token-col-name = Название
token-col-scope = Доступ
token-col-created = Создан
token-col-last-used = Последнее использование
token-col-status = Состояние
token-scope-read = Только чтение
token-scope-write = Чтение и запись
token-never-used = не использовался
token-revoked-at = Отозван { $when }
token-revoke = Отозвать
token-new = Новый токен
token-field-name = Название
token-hint-name = Для чего токен, например «формы сайта».
token-field-scope = Доступ
token-create = Создать токен
token-created-title = Ваш новый токен
token-created-hint = Скопируйте его сейчас и храните надёжно: он показывается только один раз. Программы передают его в заголовке «Authorization: Bearer <токен>».
flash-token-revoked = Токен отозван: запросы с ним больше не принимаются.
error-token-scope = Выберите «только чтение» или «чтение и запись».

## Отказы REST API

error-insufficient-scope = Этот токен позволяет только чтение.
error-rate-limited = Слишком много запросов: подождите немного и повторите.
error-idempotency-key-reused = Этот Idempotency-Key уже использован для другого запроса.
error-idempotency-key-in-progress = Запрос с этим Idempotency-Key ещё выполняется.
error-cursor-invalid = Этот курсор выдан не API.
## Страница REST API (/api/docs). Русский язык.
## Набор идентификаторов сообщений должен совпадать во всех языках.

api-docs-title = REST API
api-docs-intro = Программы могут читать и менять записи CRM по HTTP в формате JSON. Эта страница построена по тому же документу OpenAPI, который читают инструменты.
api-docs-document = Документ OpenAPI (JSON)
api-docs-auth-title = Подпись запросов
api-docs-auth-text = Каждому вызову нужен API-токен в заголовке Authorization. Администратор создаёт его для пользователя командой «crm token create»; токен действует с правами этого пользователя.
api-docs-errors-title = Ошибки
api-docs-errors-text = Отклонённый вызов отвечает кодом 4xx и таким телом: «code» — для программ, «message» — для людей, «fields» называет каждое отклонённое поле.
api-docs-legend = «?» после имени поля означает, что поле можно не передавать.
api-docs-contents = Содержание
api-docs-token-needed = Нужен API-токен.
api-docs-no-token = Токен не нужен.
api-docs-parameters = Параметры
api-docs-param-name = Имя
api-docs-param-in = Где
api-docs-param-type = Тип
api-docs-param-description = Описание
api-docs-required = обязательный
api-docs-request = Тело запроса
api-docs-responses = Ответы
api-docs-example = Пример
profile-api-title = Доступ через API
profile-api-text = Интеграции работают с API-токенами; что они могут, описано на странице API.
profile-api-link = Документация REST API
