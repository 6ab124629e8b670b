// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Please enter your Public API Key found in your Koala workspace settings.
   */
  project_slug: string
}
