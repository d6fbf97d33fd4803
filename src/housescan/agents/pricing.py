"""What LLM calls cost, in USD, from their token usage.

Prices come from the maintained `genai-prices` table; the settings' per-million-token prices
(`llm_price_input_per_mtok`, `llm_price_output_per_mtok`) take precedence, side by side. A model the table
does not know, with no override, costs 0: that is logged once and visible as `Pricing.known` / `Cost.priced`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from genai_prices import Usage as PricesUsage
from genai_prices import calc_price

log = logging.getLogger(__name__)

MTOK = 1_000_000
# pydantic-ai provider prefixes that genai-prices names differently.
_PROVIDER_IDS = {
    "google-gla": "google",
    "google-vertex": "google",
    "gemini": "google",
    "bedrock": "aws",
    "xai": "x-ai",
    "grok": "x-ai",
}
# Token counts used to read a per-token price off the table (small enough to stay in the base tier).
_PROBE_TOKENS = 10_000


@dataclass(frozen=True)
class Cost:
    usd: float
    # False when neither the table nor the settings price this model: `usd` is then 0, not the real spend.
    priced: bool
    source: str  # "override", "genai-prices", "override+genai-prices" or "unknown"


class Pricing:
    """Prices one model. `model` is the model name as sent to the provider (without a `provider:` prefix),
    `provider_id` the pydantic-ai or genai-prices provider name when known, `base_url` an OpenAI-compatible
    endpoint (looked up by URL; a self-hosted endpoint is usually unknown and costs 0 without an override)."""

    def __init__(
        self,
        model: str,
        *,
        provider_id: str | None = None,
        base_url: str | None = None,
        input_per_mtok: float | None = None,
        output_per_mtok: float | None = None,
    ) -> None:
        self.model = model
        self.provider_id = _PROVIDER_IDS.get(provider_id or "", provider_id) if provider_id else None
        self.base_url = base_url
        self.input_per_mtok = input_per_mtok
        self.output_per_mtok = output_per_mtok
        self._warned = False
        probe_in = self._table_price(PricesUsage(input_tokens=_PROBE_TOKENS))
        probe_out = self._table_price(PricesUsage(output_tokens=_PROBE_TOKENS))
        self.table_known = probe_in is not None
        table_in = float(probe_in) * MTOK / _PROBE_TOKENS if probe_in is not None else None
        table_out = float(probe_out) * MTOK / _PROBE_TOKENS if probe_out is not None else None
        # The per-million prices in force, for budget arithmetic (None: unknown).
        self.effective_input_per_mtok = input_per_mtok if input_per_mtok is not None else table_in
        self.effective_output_per_mtok = output_per_mtok if output_per_mtok is not None else table_out

    @property
    def known(self) -> bool:
        return self.effective_input_per_mtok is not None and self.effective_output_per_mtok is not None

    @property
    def max_usd_per_token(self) -> float:
        """The dearest of the input and output price per token (0 when unknown): converting a USD budget into
        tokens with it never lets the spend run past the USD amount."""
        prices = [p for p in (self.effective_input_per_mtok, self.effective_output_per_mtok) if p is not None]
        return max(prices, default=0.0) / MTOK

    def _table_price(self, usage: PricesUsage) -> Decimal | None:
        try:
            if self.base_url is not None:
                calculation = calc_price(usage, self.model, provider_api_url=self.base_url)
            elif self.provider_id is not None:
                calculation = calc_price(usage, self.model, provider_id=self.provider_id)
            else:
                calculation = calc_price(usage, self.model)
        except LookupError:
            return None
        return calculation.total_price

    def cost(self, tokens_in: int, tokens_out: int, *, cache_read_tokens: int = 0) -> Cost:
        if self.input_per_mtok is not None and self.output_per_mtok is not None:
            usd = (tokens_in * self.input_per_mtok + tokens_out * self.output_per_mtok) / MTOK
            return Cost(usd=usd, priced=True, source="override")
        table_in = self._table_price(
            PricesUsage(input_tokens=tokens_in, cache_read_tokens=min(cache_read_tokens, tokens_in))
        )
        table_out = self._table_price(PricesUsage(output_tokens=tokens_out))
        usd = 0.0
        sources: set[str] = set()
        for tokens, override, table in (
            (tokens_in, self.input_per_mtok, table_in),
            (tokens_out, self.output_per_mtok, table_out),
        ):
            if override is not None:
                usd += tokens * override / MTOK
                sources.add("override")
            elif table is not None:
                usd += float(table)
                sources.add("genai-prices")
        priced = (self.input_per_mtok is not None or table_in is not None) and (
            self.output_per_mtok is not None or table_out is not None
        )
        if not priced and not self._warned:
            self._warned = True
            log.warning(
                "no price known for model %r (provider %s): its calls are recorded at $0; set "
                "HOUSESCAN_LLM_PRICE_INPUT_PER_MTOK and HOUSESCAN_LLM_PRICE_OUTPUT_PER_MTOK to price them",
                self.model,
                self.provider_id or self.base_url or "unknown",
            )
        source = "+".join(sorted(sources, reverse=True)) if sources else "unknown"
        return Cost(usd=usd, priced=priced, source=source)
