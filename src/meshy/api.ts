/** Meshy's public API (https://docs.meshy.ai/en/api/quick-start). */
export const MESHY_API_BASE = 'https://api.meshy.ai';

/**
 * Meshy's documented test-mode key: any request with it answers with sample results and spends
 * nothing (https://docs.meshy.ai/en/api/authentication).
 */
export const TEST_MODE_API_KEY = 'msy_dummy_api_key_for_test_mode_12345678';
