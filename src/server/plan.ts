/** The origin's full execution plan (`GRAPH_TYPE=full`, 13 nodes) and which nodes are agents. */
export const FULL_PLAN = [
  'intake_extract',
  'coverage_check',
  'adaptive_questions',
  'hitl_gate_input',
  'planner',
  'critic_tech',
  'critic_cost',
  'policy_eval',
  'hitl_gate_final',
  'codegen',
  'validators',
  'rationale_compile',
  'diff_and_persist',
] as const;

/** Agent nodes return reason cards; the worker re-emits the accumulated list at each (origin §4). */
export const AGENT_NODES: ReadonlySet<string> = new Set(['planner', 'critic_tech', 'critic_cost', 'policy_eval']);

const AGENT_NAMES: Record<string, string> = {
  planner: 'planner',
  critic_tech: 'critic.tech',
  critic_cost: 'critic.cost',
  policy_eval: 'policy.engine',
};

/** A ReasonCard as `model_dump(mode="json")` writes it (pydantic v2: `...Z` timestamps). */
export function reasonCard(node: string, decisionSetId: string): Record<string, unknown> {
  return {
    agent: AGENT_NAMES[node] ?? node,
    node,
    decision_set_id: decisionSetId,
    timestamp: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
    duration_ms: 12,
    reasoning: `Mock reasoning for ${node}`,
    decision: `Mock decision for ${node}`,
    confidence: 0.85,
    inputs: {},
    outputs: {},
    alternatives_considered: [],
    category: 'architecture',
    priority: 'medium',
    references: [],
  };
}
