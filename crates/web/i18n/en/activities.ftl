## Activities, tasks, notifications, calendar and profile. English.
## Keep the same message ids in every language (ru/activities.ftl).

## Header

nav-tasks = Tasks
nav-calendar = Calendar
nav-notifications = Notifications
nav-profile = Profile
bell-label = { $count } unread
toast-close = Close

## Activity kinds, call results, directions

activity-kind-call = Call
activity-kind-meeting = Meeting
activity-kind-note = Note
activity-kind-email = E-mail
activity-kind-file = File
activity-kind-event = Event
activity-head-call-in = Incoming call
activity-head-call-out = Outgoing call
activity-head-email-in = Incoming e-mail
activity-head-email-out = Outgoing e-mail
activity-direction-unknown = Not specified
direction-in = Incoming
direction-out = Outgoing
call-result-none = Not specified
call-result-answered = Answered
call-result-no_answer = No answer
call-result-busy = Busy
call-result-voicemail = Voicemail
call-result-wrong_number = Wrong number

## Events the system records

event-created = Card created
event-stage_changed = Stage changed from “{ $from }” to “{ $to }”
event-responsible_changed = Responsible changed from { $from } to { $to }
event-converted = Lead converted
event-value-none = nobody

## Timeline on a card

timeline-title = History
timeline-filter-label = Show in the history
timeline-filter-all = All
timeline-filter-call = Calls
timeline-filter-meeting = Meetings
timeline-filter-note = Notes
timeline-filter-email = E-mails
timeline-filter-file = Files
timeline-filter-event = Events
timeline-empty = Nothing has been logged yet.
timeline-empty-filtered = Nothing of this kind has been logged yet.
timeline-older = Older entries
activity-duration = { $duration } min
activity-recording = Listen to the recording
activity-elsewhere-contact = from the contact’s card
activity-elsewhere-company = from the company’s card
activity-elsewhere-deal = from the deal’s card
activity-elsewhere-lead = from the lead’s card
activity-delete-confirm = Delete this entry from the history? This cannot be undone.

## Logging forms

log-call = Log a call
log-note = Add a note
log-meeting = Log a meeting
log-email = Log an e-mail
log-call-save = Save the call
log-note-save = Save the note
log-meeting-save = Save the meeting
log-email-save = Save the e-mail
activity-new-title = Log an activity
activity-field-occurred-at = When
activity-field-starts-at = Starts
activity-field-ends-at = Ends
activity-field-direction = Direction
activity-field-duration = Duration
activity-field-result = Result
activity-field-recording-url = Recording link
activity-field-subject = Subject
activity-field-notes = Notes
activity-field-note = Note
activity-field-text = Text
activity-hint-duration = Minutes, or minutes and seconds as m:ss (for example 4:30).
attach-files = Attach files
attach-comment = Comment
attach-file = Files
attach-hint = Up to { $max } MB per file. You can pick several files.
attach-save = Attach

## Tasks on a card

card-tasks-title = Open tasks
card-tasks-none = No open tasks.

## Tasks: list

tasks-title = My tasks
tasks-department-title = Department tasks
tasks-who-label = Whose tasks
tasks-who-me = Mine
tasks-who-department = My department
tasks-section-overdue = Overdue
tasks-section-today = Today
tasks-section-upcoming = Upcoming
tasks-show-more = Show more
tasks-section-undated = No deadline
tasks-empty = Nothing to do. Enjoy the quiet!
task-new = New task
task-done = Done
task-overdue = overdue
task-due-on = due { $date }
task-repeat-every = { $days ->
    [1] Every day
   *[other] Every { $days } days
}
task-repeat-until = until { $date }

## Tasks: card

task-state-open = Open
task-state-overdue = Overdue
task-state-done = Done { $date }
task-no-due = No deadline
task-done-stop = Done, stop repeating
task-reopen = Reopen
task-delete-confirm = Delete this task? This cannot be undone.
task-comments = Comments
task-comments-none = No comments yet.
task-comment-label = Your comment
task-comment-add = Add comment

## Tasks: form and fields

task-new-title = New task
task-edit-title = Edit task
task-create = Create task
task-field-title = What to do
task-field-description = Details
task-field-assignee = Assignee
task-field-author = Set by
task-field-card = Card
task-field-due = Deadline
task-field-remind = Reminder
task-field-repeat = Repeats
task-field-repeat-days = Repeat interval, days
task-field-repeat-until = Repeat until
task-assignee-me = Me
task-hint-remind = The assignee gets a notification this long before the deadline.
task-hint-repeat-days = Call again every N days until done. Leave empty not to repeat.
task-hint-repeat-until = Leave empty to repeat with no end date.
task-remind-none = No reminder
task-remind-at-due = At the deadline
task-remind-minutes = { $n ->
    [one] { $n } minute before
   *[other] { $n } minutes before
}
task-remind-hours = { $n ->
    [1] An hour before
   *[other] { $n } hours before
}
task-remind-days = { $n ->
    [1] A day before
   *[other] { $n } days before
}

## Notifications

notifications-title = Notifications
notifications-read-all = Mark all read
notifications-empty = No notifications.
notifications-older = Older notifications
notification-unread = Unread
notice-task_assigned = { $by } gave you a task: “{ $title }”
notice-task_reminder = Reminder: “{ $title }” is due { $due }
notice-task_overdue = The task “{ $title }” of { $assignee } is overdue
notice-task_comment = { $by } commented on the task “{ $title }”
notice-deal_assigned = { $by } made you responsible for the deal “{ $title }”
notice-lead_assigned = { $by } made you responsible for the lead “{ $title }”
notice-birthday = Today is { $name }’s birthday
notice-deal_past_close = The deal “{ $title }” was due to close on { $date }

## Calendar

calendar-title = Calendar
calendar-week-of = Week of { $date }
calendar-who-me = My tasks and meetings
calendar-who-department = My department
calendar-who-label = Show
calendar-who-show = Show
calendar-nav-label = Dates
calendar-view-label = View
calendar-view-day = Day
calendar-view-week = Week
calendar-view-month = Month
calendar-prev-day = Previous day
calendar-prev-week = Previous week
calendar-prev-month = Previous month
calendar-next-day = Next day
calendar-next-week = Next week
calendar-next-month = Next month
calendar-today = Today
calendar-help = Drag a task or meeting to another day to move it, or open it and change its date there.
calendar-empty = Nothing is planned for these days.
calendar-entry-task = Task
calendar-entry-meeting = Meeting
calendar-entry-done = done
calendar-moved = “{ $title }” moved to { $date }.
calendar-move-failed = It could not be moved. Check the connection and try again.

## Profile

profile-title = Your settings
profile-field-locale = Language
profile-field-time-zone = Time zone
profile-hint-time-zone = Dates and times are shown in this time zone.
profile-zone-default = Installation default ({ $zone })

## Messages

flash-activity-logged = Saved to the history.
flash-activity-deleted = Entry deleted.
flash-files-attached = Files attached.
flash-task-saved = Task saved.
flash-task-done = Task done.
flash-task-reopened = Task reopened.
flash-task-deleted = Task deleted.
flash-comment-added = Comment added.
flash-notifications-read = All notifications marked as read.
flash-profile-saved = Settings saved.

## Field errors

error-datetime-invalid = Enter a date and time, for example 2026-05-12 14:30.
error-ends-before-start = The end cannot be before the start.
error-duration-invalid = Enter minutes, or minutes and seconds as m:ss.
error-url-invalid = Enter an address that starts with http:// or https://.
error-out-of-range = This value is out of range.
error-choice-invalid = Pick one of the offered options.
error-reminder-needs-deadline = A reminder needs a deadline.
error-repeat-needs-deadline = A repeating task needs a deadline.
error-card-invalid = There is no such card, or you cannot see it.
error-time-zone-unknown = Pick a time zone from the list.
error-upload-empty = The file is empty.
error-upload-too-large = The file is larger than the size allowed.
error-upload-type-mismatch = The file’s content does not match its type.
error-upload-no-file = Choose a file to attach.
error-upload-name-invalid = This file name is not allowed.
error-task-done = This task is done already.
error-assignee-inactive = This person’s account is switched off: they cannot get tasks.

## Calendar dates
weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
calendar-month-of = { $month } { $year }
calendar-day-label = { $weekday } { $day }
