import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { type ApiError, isAbortError, toApiError } from './api.js'

export interface AsyncState<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload: () => void
  setData: (data: T) => void
}

/** Runs `load` when `deps` change (aborting the previous run) and on reload(). */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [loading, setLoading] = useState(true)
  const [version, setVersion] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load

  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    setError(undefined)
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return
        setData(value)
        setLoading(false)
      },
      (err: unknown) => {
        if (controller.signal.aborted || isAbortError(err)) return
        setError(toApiError(err))
        setLoading(false)
      },
    )
    return () => controller.abort()
    // deps are the caller's (like useEffect); load is read through a ref
  }, [...deps, version])

  const reload = useCallback(() => setVersion((v) => v + 1), [])
  return { data, error, loading, reload, setData }
}

/** Runs an action, tracking busy state and the last error (for buttons and forms). */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const actionRef = useRef(action)
  actionRef.current = action
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setBusy(true)
    setError(undefined)
    try {
      return await actionRef.current(...args)
    } catch (err) {
      setError(toApiError(err))
      return undefined
    } finally {
      setBusy(false)
    }
  }, [])
  return { run, busy, error, setError }
}
