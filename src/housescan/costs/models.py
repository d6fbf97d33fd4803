from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base


class AgentSpend(Base):
    """The money ledger: one row per agent call that was paid for (tokens, requests or dollars), written in
    the transaction that ends its attempt, whether the attempt succeeded or failed. Never deleted with its
    scan. Budgets and the operators' cost report read it; `agents_runs` is the report of the run that
    succeeded, whose answers reused from a failed attempt (cache hits) cost nothing new.
    """

    __tablename__ = "agent_spend"
    __table_args__ = (Index("ix_agent_spend_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    # NULL once the account is deleted: the spend stays on the books without the person (account/).
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scan_id: Mapped[uuid.UUID]  # no foreign key: the spend outlives a deleted scan
    model: Mapped[str] = mapped_column(String(200))
    requests: Mapped[int]
    tokens_in: Mapped[int]
    tokens_out: Mapped[int]
    cost_usd: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False))
    started_at: Mapped[datetime] = mapped_column(index=True)
