/**
 * The language model's settings (`LLM_*`), owned here and composed by src/app/config.ts. A module of its
 * own, without LangChain, so reading the configuration never loads the model client.
 */
export const STRUCTURED_OUTPUT_METHODS = ['json_schema', 'function_calling', 'json_mode'] as const;
export type StructuredOutputMethod = (typeof STRUCTURED_OUTPUT_METHODS)[number];

export interface LlmSettings {
  /** `LLM_API_KEY`, else `OPENAI_API_KEY`; unset = no language model. */
  readonly apiKey: string | undefined;
  /** Endpoint base URL (…/v1); unset = OpenAI. */
  readonly baseUrl: string | undefined;
  readonly model: string;
  /** How structured output (slot extraction, intent) is asked for; DeepSeek needs function_calling or json_mode. */
  readonly structuredOutput: StructuredOutputMethod;
  /** One model call may take at most this long; then the turn falls back to the offline path. */
  readonly timeoutMs: number;
  /** Sampling temperature; unset = the provider's default (some reasoning models accept no other). */
  readonly temperature: number | undefined;
}
