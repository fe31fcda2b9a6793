"""The seat claim of trainings.services.registration_create as one PostgreSQL function.

A registration used to take six round trips from the lock to the commit (begin, lock, count,
insert, history row, commit) and a seventh for its waiting position; in a rush of 500 owners for
40 seats those round trips, more than the work, were the time. The function does the same steps
in one call. It is PL/pgSQL, not one SQL statement, because each statement of a volatile
function takes a fresh snapshot: the seats are counted again once the lock is granted, which a
single statement (its snapshot taken before it waited for the lock) cannot do.

Other databases (SQLite for the quick start) keep the ORM path in services.py: nothing is
created there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION trainings_registration_claim(
    p_session bigint,
    p_business bigint,
    p_name varchar,
    p_active integer,
    p_used_slots integer[],
    p_created_by bigint,
    p_history_user bigint,
    p_now timestamptz
) RETURNS TABLE (
    outcome text,
    registration_id bigint,
    registration_status varchar,
    registration_created_at timestamptz,
    registration_slot integer,
    waiting_position integer,
    session_status varchar,
    session_registration_opens_at timestamptz,
    session_registration_closes_at timestamptz,
    session_starts_at timestamptz
)
LANGUAGE plpgsql VOLATILE AS $claim$
DECLARE
    s trainings_trainingsession%ROWTYPE;
    exclusive_lock boolean := true;
    used integer;
    new_slot integer;
    r trainings_registration%ROWTYPE;
    queue_position integer;
BEGIN
    -- The row lock only while the count at the statement's start leaves a seat: once the
    -- session is full, waiting registrations take a shared lock, which they can hold together,
    -- so a rush queues only the registrations that may get a seat. The shared lock still waits
    -- for a cancellation, a close or a seat being given.
    SELECT t.* INTO s FROM trainings_trainingsession t
     WHERE t.id = p_session
       AND t.capacity > (SELECT count(*) FROM trainings_registration c
                          WHERE c.session_id = t.id AND c.status = 'confirmed')
       FOR UPDATE OF t;
    IF NOT FOUND THEN
        exclusive_lock := false;
        SELECT t.* INTO s FROM trainings_trainingsession t WHERE t.id = p_session FOR SHARE OF t;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'missing'::text, NULL::bigint, NULL::varchar, NULL::timestamptz, NULL::integer,
                NULL::integer, NULL::varchar, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz;
            RETURN;
        END IF;
    END IF;
    -- A new statement, so a new snapshot: the count is current under either lock (the one
    -- above predates the commit the lock may have waited for).
    SELECT count(*) INTO used FROM trainings_registration c WHERE c.session_id = p_session AND c.status = 'confirmed';
    IF NOT exclusive_lock AND used < s.capacity THEN
        -- A seat was freed meanwhile; several holders of the shared lock could see it, so none
        -- takes it: the caller ends this statement (or its savepoint), which releases the lock,
        -- and claims again.
        RETURN QUERY SELECT 'retry'::text, NULL::bigint, NULL::varchar, NULL::timestamptz, NULL::integer,
            NULL::integer, NULL::varchar, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz;
        RETURN;
    END IF;
    -- Staff may have closed the session since the caller's checks.
    IF s.status <> 'published'
       OR (s.registration_opens_at IS NOT NULL AND p_now < s.registration_opens_at)
       OR p_now >= coalesce(s.registration_closes_at, s.starts_at) THEN
        RETURN QUERY SELECT 'closed'::text, NULL::bigint, NULL::varchar, NULL::timestamptz, NULL::integer,
            NULL::integer, s.status, s.registration_opens_at, s.registration_closes_at, s.starts_at;
        RETURN;
    END IF;
    IF p_active >= s.max_participants_per_business THEN
        RETURN QUERY SELECT 'business_full'::text, NULL::bigint, NULL::varchar, NULL::timestamptz, NULL::integer,
            NULL::integer, s.status, s.registration_opens_at, s.registration_closes_at, s.starts_at;
        RETURN;
    END IF;
    SELECT min(n) INTO new_slot FROM generate_series(1, s.max_participants_per_business) n
     WHERE n <> ALL (coalesce(p_used_slots, '{}'));
    -- clock_timestamp(), not now(): the time the lock was granted, so registration times follow
    -- the order in which seats were given (now() is when the call began, before any wait).
    INSERT INTO trainings_registration
        (session_id, business_id, participant_name, slot, status, created_at, created_by_id, cancelled_at)
    VALUES (p_session, p_business, p_name, new_slot,
            CASE WHEN used < s.capacity THEN 'confirmed' ELSE 'waiting' END,
            clock_timestamp(), p_created_by, NULL)
    RETURNING * INTO r;
    -- The row django-simple-history would write for the save (history_type '+').
    INSERT INTO trainings_historicalregistration
        (id, participant_name, slot, status, created_at, cancelled_at, session_id, business_id, created_by_id,
         history_date, history_change_reason, history_type, history_user_id)
    VALUES (r.id, r.participant_name, r.slot, r.status, r.created_at, r.cancelled_at, r.session_id,
            r.business_id, r.created_by_id, clock_timestamp(), NULL, '+', p_history_user);
    IF r.status = 'waiting' THEN
        SELECT count(*) + 1 INTO queue_position FROM trainings_registration w
         WHERE w.session_id = p_session AND w.status = 'waiting'
           AND (w.created_at < r.created_at OR (w.created_at = r.created_at AND w.id < r.id));
    END IF;
    RETURN QUERY SELECT 'created'::text, r.id, r.status, r.created_at, r.slot::integer,
        queue_position, s.status, s.registration_opens_at, s.registration_closes_at, s.starts_at;
END
$claim$;
"""

DROP = "DROP FUNCTION IF EXISTS trainings_registration_claim(bigint, bigint, varchar, integer, integer[], bigint, bigint, timestamptz);"


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)  # no parameters: the %ROWTYPE in the body is not a placeholder


def create(apps, schema_editor):
    _run(schema_editor, CREATE)


def drop(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0007_session_reminder_hours"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
