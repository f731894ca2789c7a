"""Booking campaigns: a mentor invites caseload students to book a kind of appointment, sees who
has booked since, and reminds the others."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.appointments import outbox
from portal.appointments.booking import no_show_counts
from portal.appointments.labels import kind_label
from portal.appointments.models import AppointmentKind, Booking, BookingStatus, Campaign, CampaignInvite, Slot
from portal.appointments.outbox import link_for
from portal.clock import local_zone
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.students.access import caseload_student_ids
from portal.students.models import Student

CAMPAIGN_INVITE = notification_kind("appointments.campaign_invite", _l("%(mentor)s invites you to book: %(title)s"))
CAMPAIGN_REMINDER = notification_kind(
    "appointments.campaign_reminder", _l("Reminder from %(mentor)s: you have not booked yet for %(title)s")
)

GROUP_ALL = "all"
GROUP_WITHOUT = "without"  # no attended or upcoming booking of the kind yet


def caseload(mentor: User) -> list[Student]:
    return list(db.session.scalars(
        select(Student).options(joinedload(Student.user))
        .where(Student.id.in_(caseload_student_ids(mentor))).order_by(Student.student_no)
    ))


def students_with_kind(student_ids, kind: str) -> set[int]:
    """Those who attended, or hold an upcoming booking of, this kind."""
    ids = list(student_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Booking.student_id).join(Slot, Booking.slot_id == Slot.id).where(
            Booking.student_id.in_(ids), Slot.kind == kind,
            Booking.status.in_((BookingStatus.BOOKED, BookingStatus.ATTENDED)),
        ).distinct()
    ))


def create_campaign(mentor: User, *, kind: str, title: str, message: str | None, student_ids,
                    now: datetime | None = None) -> Campaign:
    now = now or utcnow()
    title = (title or "").strip()
    message = (message or "").strip() or None
    if kind not in {k.value for k in AppointmentKind}:
        raise RuleViolation(_("Choose a kind of appointment."), field="kind")
    if not title:
        raise RuleViolation(_("Give the campaign a title."), field="title")
    chosen = {int(i) for i in student_ids}
    if not chosen:
        raise RuleViolation(_("Choose at least one student."), field="students")
    mine = set(db.session.scalars(caseload_student_ids(mentor)))
    if not chosen <= mine:
        raise RuleViolation(_("Only students on your caseload can be invited."), field="students", status=403)
    campaign = Campaign(mentor_id=mentor.id, kind=kind, title=title[:120], message=message, created_at=now)
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(CampaignInvite(campaign_id=campaign.id, student_id=sid, invited_at=now) for sid in sorted(chosen))
    users = db.session.scalars(
        select(User).join(Student, Student.user_id == User.id).where(Student.id.in_(chosen))
    ).all()
    link = link_for("appointments.slots", kind=kind)
    for user in users:
        notify(user.id, CAMPAIGN_INVITE, link=link, mentor=mentor.display_name, title=campaign.title)
        outbox.queue(user, lambda: (
            _("%(mentor)s invites you to book: %(title)s", mentor=mentor.display_name, title=campaign.title),
            _campaign_body(campaign, mentor),
        ))
    db.session.flush()
    return campaign


def _campaign_body(campaign: Campaign, mentor: User) -> str:
    text = _("%(mentor)s invites you to book a %(kind)s.", mentor=mentor.display_name, kind=kind_label(campaign.kind))
    if campaign.message:
        text += "\n\n" + campaign.message
    return text + "\n\n" + _("Open slots: %(link)s",
                             link=link_for("appointments.slots", kind=campaign.kind, _external=True))


@dataclass
class InviteRow:
    invite: CampaignInvite
    student: Student
    booking: Booking | None
    no_shows: int


def campaign_rows(campaign: Campaign) -> list[InviteRow]:
    """Every invited student with the booking made since the invitation, if any (fixed queries)."""
    invites = db.session.scalars(
        select(CampaignInvite).options(joinedload(CampaignInvite.student).joinedload(Student.user))
        .where(CampaignInvite.campaign_id == campaign.id)
    ).all()
    ids = [invite.student_id for invite in invites]
    bookings: dict[int, Booking] = {}
    if ids:
        for booking in db.session.scalars(
            select(Booking).join(Slot, Booking.slot_id == Slot.id).options(joinedload(Booking.slot).joinedload(Slot.host))
            .where(Booking.student_id.in_(ids), Slot.kind == campaign.kind, Booking.booked_at >= campaign.created_at,
                   Booking.status != BookingStatus.CANCELLED)
            .order_by(Slot.starts_at)
        ):
            bookings.setdefault(booking.student_id, booking)
    no_shows = no_show_counts(ids)
    rows = [InviteRow(invite, invite.student, bookings.get(invite.student_id), no_shows.get(invite.student_id, 0))
            for invite in invites]
    rows.sort(key=lambda row: (row.booking is not None, row.student.student_no))
    return rows


def remind_campaign(campaign: Campaign, *, by: User, now: datetime | None = None) -> int:
    """Remind the invited students who have not booked; at most once a day each. Returns how many."""
    now = now or utcnow()
    today = now.astimezone(local_zone()).date().isoformat()
    link = link_for("appointments.slots", kind=campaign.kind)
    reminded = 0
    for row in campaign_rows(campaign):
        if row.booking is not None:
            continue
        user = row.student.user
        notification = notify(user.id, CAMPAIGN_REMINDER, link=link,
                              dedupe_key=f"appointments.campaign:{campaign.id}:{row.student.id}:{today}",
                              mentor=by.display_name, title=campaign.title)
        if notification is None:
            continue
        row.invite.reminded_at = now
        row.invite.reminder_count += 1
        outbox.queue(user, lambda: (
            _("Reminder from %(mentor)s: %(title)s", mentor=by.display_name, title=campaign.title),
            _campaign_body(campaign, by),
        ))
        reminded += 1
    campaign.last_reminded_at = now
    db.session.flush()
    return reminded


def campaigns_of(mentor: User) -> list[tuple[Campaign, int, int]]:
    """The mentor's campaigns with invited and booked counts (three queries, whatever their number)."""
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.mentor_id == mentor.id).order_by(Campaign.created_at.desc())
    ).all()
    if not campaigns:
        return []
    ids = [c.id for c in campaigns]
    invited = dict(db.session.execute(
        select(CampaignInvite.campaign_id, func.count(CampaignInvite.id))
        .where(CampaignInvite.campaign_id.in_(ids)).group_by(CampaignInvite.campaign_id)
    ).all())
    booked = dict(db.session.execute(
        select(CampaignInvite.campaign_id, func.count(func.distinct(CampaignInvite.student_id)))
        .join(Campaign, Campaign.id == CampaignInvite.campaign_id)
        .join(Booking, Booking.student_id == CampaignInvite.student_id)
        .join(Slot, and_(Slot.id == Booking.slot_id, Slot.kind == Campaign.kind))
        .where(CampaignInvite.campaign_id.in_(ids), Booking.booked_at >= Campaign.created_at,
               Booking.status != BookingStatus.CANCELLED)
        .group_by(CampaignInvite.campaign_id)
    ).all())
    return [(c, invited.get(c.id, 0), booked.get(c.id, 0)) for c in campaigns]
