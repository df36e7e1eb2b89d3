"""SQL layout the drift layer reads (``llm_calls``) and writes (``drift_baselines``)."""

LLM_CALLS_DDL = """
CREATE TABLE IF NOT EXISTS llm_calls (
  record_id TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  task TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt_version TEXT NOT NULL,
  outcome TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reasked INTEGER NOT NULL,
  repaired INTEGER NOT NULL,
  fell_back INTEGER NOT NULL,
  reviewed INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER, output_tokens INTEGER,
  latency_ms REAL, cost REAL,
  output_json TEXT,
  output_chars INTEGER,
  created_at REAL NOT NULL
)
"""

BASELINES_DDL = """
CREATE TABLE IF NOT EXISTS drift_baselines (
  name TEXT PRIMARY KEY,
  task TEXT NOT NULL,
  created_at REAL NOT NULL,
  body TEXT NOT NULL
)
"""
