## Дела, задачи, уведомления, календарь и профиль. Русский язык.
## Набор ключей тот же, что в en/activities.ftl.

## Шапка

nav-tasks = Задачи
nav-calendar = Календарь
nav-notifications = Уведомления
nav-profile = Профиль
bell-label = { $count ->
    [one] { $count } непрочитанное
    [few] { $count } непрочитанных
    [many] { $count } непрочитанных
   *[other] { $count } непрочитанных
}
toast-close = Закрыть

## Типы записей, результаты звонков, направления

activity-kind-call = Звонок
activity-kind-meeting = Встреча
activity-kind-note = Заметка
activity-kind-email = Письмо
activity-kind-file = Файл
activity-kind-event = Событие
activity-head-call-in = Входящий звонок
activity-head-call-out = Исходящий звонок
activity-head-email-in = Входящее письмо
activity-head-email-out = Исходящее письмо
activity-direction-unknown = Не указано
direction-in = Входящий
direction-out = Исходящий
call-result-none = Не указан
call-result-answered = Разговор состоялся
call-result-no_answer = Не ответили
call-result-busy = Занято
call-result-voicemail = Автоответчик
call-result-wrong_number = Неверный номер

## События, которые система записывает сама

event-created = Карточка создана
event-stage_changed = Этап изменён: «{ $from }» → «{ $to }»
event-responsible_changed = Ответственный изменён: { $from } → { $to }
event-converted = Лид сконвертирован
event-value-none = не назначен

## История на карточке

timeline-title = История
timeline-filter-label = Что показывать в истории
timeline-filter-all = Всё
timeline-filter-call = Звонки
timeline-filter-meeting = Встречи
timeline-filter-note = Заметки
timeline-filter-email = Письма
timeline-filter-file = Файлы
timeline-filter-event = События
timeline-empty = В истории пока ничего нет.
timeline-empty-filtered = Записей такого типа пока нет.
timeline-older = Более ранние записи
activity-duration = { $duration } мин
activity-recording = Прослушать запись
activity-elsewhere-contact = из карточки контакта
activity-elsewhere-company = из карточки компании
activity-elsewhere-deal = из карточки сделки
activity-elsewhere-lead = из карточки лида
activity-delete-confirm = Удалить эту запись из истории? Отменить удаление будет нельзя.

## Формы записи

log-call = Записать звонок
log-note = Добавить заметку
log-meeting = Записать встречу
log-email = Записать письмо
log-call-save = Сохранить звонок
log-note-save = Сохранить заметку
log-meeting-save = Сохранить встречу
log-email-save = Сохранить письмо
activity-new-title = Новая запись в истории
activity-field-occurred-at = Когда
activity-field-starts-at = Начало
activity-field-ends-at = Окончание
activity-field-direction = Направление
activity-field-duration = Длительность
activity-field-result = Результат
activity-field-recording-url = Ссылка на запись разговора
activity-field-subject = Тема
activity-field-notes = Заметки
activity-field-note = Заметка
activity-field-text = Текст
activity-hint-duration = Минуты или минуты и секунды в виде м:сс (например, 4:30).
attach-files = Прикрепить файлы
attach-comment = Комментарий
attach-file = Файлы
attach-hint = До { $max } МБ на файл. Можно выбрать несколько файлов.
attach-save = Прикрепить

## Задачи на карточке

card-tasks-title = Открытые задачи
card-tasks-none = Открытых задач нет.

## Задачи: список

tasks-title = Мои задачи
tasks-department-title = Задачи отдела
tasks-who-label = Чьи задачи
tasks-who-me = Мои
tasks-who-department = Мой отдел
tasks-section-overdue = Просроченные
tasks-section-today = На сегодня
tasks-section-upcoming = Предстоящие
tasks-show-more = Показать больше
tasks-section-undated = Без срока
tasks-empty = Дел нет. Можно выдохнуть!
task-new = Новая задача
task-done = Выполнено
task-overdue = просрочена
task-due-on = срок: { $date }
task-repeat-every = { $days ->
    [1] Каждый день
    [one] Раз в { $days } день
    [few] Раз в { $days } дня
    [many] Раз в { $days } дней
   *[other] Раз в { $days } дня
}
task-repeat-until = до { $date }

## Задачи: карточка

task-state-open = Открыта
task-state-overdue = Просрочена
task-state-done = Выполнена { $date }
task-no-due = Без срока
task-done-stop = Выполнено, больше не повторять
task-reopen = Открыть снова
task-delete-confirm = Удалить эту задачу? Отменить удаление будет нельзя.
task-comments = Комментарии
task-comments-none = Комментариев пока нет.
task-comment-label = Ваш комментарий
task-comment-add = Добавить комментарий

## Задачи: форма и поля

task-new-title = Новая задача
task-edit-title = Изменение задачи
task-create = Создать задачу
task-field-title = Что сделать
task-field-description = Подробности
task-field-assignee = Исполнитель
task-field-author = Постановщик
task-field-card = Карточка
task-field-due = Срок
task-field-remind = Напоминание
task-field-repeat = Повтор
task-field-repeat-days = Интервал повтора, дней
task-field-repeat-until = Повторять до
task-assignee-me = Я
task-hint-remind = Исполнитель получит уведомление за это время до срока.
task-hint-repeat-days = Например, «перезванивать каждые 2 дня, пока не дозвонимся». Оставьте пустым, если повторять не нужно.
task-hint-repeat-until = Оставьте пустым, чтобы повторять без даты окончания.
task-remind-none = Без напоминания
task-remind-at-due = Когда наступит срок
task-remind-minutes = { $n ->
    [one] За { $n } минуту
    [few] За { $n } минуты
    [many] За { $n } минут
   *[other] За { $n } минуты
}
task-remind-hours = { $n ->
    [1] За час
    [one] За { $n } час
    [few] За { $n } часа
    [many] За { $n } часов
   *[other] За { $n } часа
}
task-remind-days = { $n ->
    [1] За день
    [one] За { $n } день
    [few] За { $n } дня
    [many] За { $n } дней
   *[other] За { $n } дня
}

## Уведомления

notifications-title = Уведомления
notifications-read-all = Отметить все как прочитанные
notifications-empty = Уведомлений нет.
notifications-older = Более ранние уведомления
notification-unread = Не прочитано
notice-task_assigned = { $by }: вам поручена задача «{ $title }»
notice-task_reminder = Напоминание: срок задачи «{ $title }» — { $due }
notice-task_overdue = Задача «{ $title }» просрочена (исполнитель: { $assignee })
notice-task_comment = { $by }: новый комментарий к задаче «{ $title }»
notice-deal_assigned = { $by }: вам передана сделка «{ $title }»
notice-lead_assigned = { $by }: вам передан лид «{ $title }»
notice-birthday = Сегодня день рождения: { $name }
notice-deal_past_close = Сделка «{ $title }» должна была закрыться { $date }

## Календарь

calendar-title = Календарь
calendar-week-of = Неделя с { $date }
calendar-who-me = Мои задачи и встречи
calendar-who-department = Мой отдел
calendar-who-label = Показать
calendar-who-show = Показать
calendar-nav-label = Переход по датам
calendar-view-label = Вид
calendar-view-day = День
calendar-view-week = Неделя
calendar-view-month = Месяц
calendar-prev-day = Предыдущий день
calendar-prev-week = Предыдущая неделя
calendar-prev-month = Предыдущий месяц
calendar-next-day = Следующий день
calendar-next-week = Следующая неделя
calendar-next-month = Следующий месяц
calendar-today = Сегодня
calendar-help = Перетащите задачу или встречу на другой день, чтобы перенести её, или откройте её и измените дату там.
calendar-empty = На эти дни ничего не запланировано.
calendar-entry-task = Задача
calendar-entry-meeting = Встреча
calendar-entry-done = выполнено
calendar-moved = Перенесено на { $date }: «{ $title }».
calendar-move-failed = Не удалось перенести. Проверьте подключение и попробуйте ещё раз.

## Профиль

profile-title = Мои настройки
profile-field-locale = Язык
profile-field-time-zone = Часовой пояс
profile-hint-time-zone = Даты и время показываются в этом часовом поясе.
profile-zone-default = Как в настройках системы ({ $zone })

## Сообщения

flash-activity-logged = Запись добавлена в историю.
flash-activity-deleted = Запись удалена.
flash-files-attached = Файлы прикреплены.
flash-task-saved = Задача сохранена.
flash-task-done = Задача выполнена.
flash-task-reopened = Задача снова открыта.
flash-task-deleted = Задача удалена.
flash-comment-added = Комментарий добавлен.
flash-notifications-read = Все уведомления отмечены как прочитанные.
flash-profile-saved = Настройки сохранены.

## Ошибки в полях

error-datetime-invalid = Введите дату и время, например 2026-05-12 14:30.
error-ends-before-start = Окончание не может быть раньше начала.
error-duration-invalid = Введите минуты или минуты и секунды в виде м:сс.
error-url-invalid = Введите адрес, который начинается с http:// или https://.
error-out-of-range = Значение вне допустимого диапазона.
error-choice-invalid = Выберите один из предложенных вариантов.
error-reminder-needs-deadline = Для напоминания нужен срок.
error-repeat-needs-deadline = Для повторяющейся задачи нужен срок.
error-card-invalid = Такой карточки нет, или у вас нет к ней доступа.
error-time-zone-unknown = Выберите часовой пояс из списка.
error-upload-empty = Файл пустой.
error-upload-too-large = Файл больше допустимого размера.
error-upload-type-mismatch = Содержимое файла не соответствует его типу.
error-upload-no-file = Выберите файл.
error-upload-name-invalid = Недопустимое имя файла.
error-task-done = Эта задача уже выполнена.
error-assignee-inactive = Учётная запись этого сотрудника отключена: ему нельзя поручать задачи.

## Calendar dates
weekday-short-1 = Пн
weekday-short-2 = Вт
weekday-short-3 = Ср
weekday-short-4 = Чт
weekday-short-5 = Пт
weekday-short-6 = Сб
weekday-short-7 = Вс
month-1 = Январь
month-2 = Февраль
month-3 = Март
month-4 = Апрель
month-5 = Май
month-6 = Июнь
month-7 = Июль
month-8 = Август
month-9 = Сентябрь
month-10 = Октябрь
month-11 = Ноябрь
month-12 = Декабрь
calendar-month-of = { $month } { $year }
calendar-day-label = { $weekday }, { $day }
